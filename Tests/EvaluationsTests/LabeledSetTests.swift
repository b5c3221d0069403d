import Evaluations
import Testing

/// Floors each evaluator meets on the labeled set; a regression below them fails the build. They sit a little
/// under the measured figures (see `bench/evaluations_bench.sh`) so that adding hard cases does not need a
/// floor change every time, while a broken rule does.
private let floors: [String: (precision: Double, recall: Double, accuracy: Double)] = [
    "failure_to_answer": (0.9, 0.9, 0.9),
    "language_mismatch": (0.9, 0.85, 0.85),
    "pii_input": (0.95, 0.95, 0.95),
    "pii_output": (0.9, 0.9, 0.95),
    "prompt_injection": (0.9, 0.9, 0.9),
    "toxicity": (0.9, 0.9, 0.9),
    "topic_relevance": (0.8, 0.8, 0.8),
    "quality": (0.9, 0.9, 0.9),
]

@Test func labeledSetIsLargeAndBilingual() throws {
    let set = try LabeledSet()
    #expect(set.cases.count >= 200)
    let japanese = set.cases.filter { $0.lang == "ja" }.count
    #expect(japanese * 10 >= set.cases.count * 4 && japanese * 10 <= set.cases.count * 6)
    #expect(Set(set.cases.map(\.id)).count == set.cases.count)
    // Every evaluator has positive and negative cases.
    for (evaluator, positive) in LabeledSet.positiveLabels {
        let labels = set.cases.compactMap { $0.expect[evaluator] }
        let positives = labels.filter { evaluator == "quality" ? $0 != "ok" : $0 == positive }.count
        #expect(positives >= 5 && labels.count - positives >= 5, "\(evaluator)")
    }
}

@Test func evaluatorsMeetTheirFloorsOnTheLabeledSet() throws {
    for score in try LabeledSet().scores() {
        let floor = try #require(floors[score.evaluator])
        let context = "\(score.evaluator) misses:\n" + score.misses.joined(separator: "\n")
        #expect(score.precision >= floor.precision, "\(context)")
        #expect(score.recall >= floor.recall, "\(context)")
        #expect(score.accuracy >= floor.accuracy, "\(context)")
    }
}
