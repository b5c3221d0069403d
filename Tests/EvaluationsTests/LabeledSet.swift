import Evaluations
import Foundation
import Testing

/// The hand-written labeled cases in `LabeledSet/cases.jsonl`, and the per-evaluator scores of a suite on them.
struct LabeledSet {
    /// One labeled exchange.
    struct Case: Decodable {
        var id: String
        var lang: String
        var prompt: String
        var reply: String
        var done_reason: String?
        var max_tokens: Int?
        var completion_tokens: Int?
        var expect: [String: String]

        var input: EvaluationInput {
            EvaluationInput(
                prompt: prompt, reply: reply, doneReason: done_reason, maxTokens: max_tokens,
                completionTokens: completion_tokens)
        }
    }

    /// Precision, recall and accuracy of one evaluator over the cases that expect something of it.
    struct Score {
        var evaluator: String
        var positive: String
        var truePositives = 0
        var falsePositives = 0
        var falseNegatives = 0
        var correct = 0
        var total = 0
        var misses: [String] = []

        var precision: Double {
            truePositives + falsePositives == 0 ? 1 : Double(truePositives) / Double(truePositives + falsePositives)
        }
        var recall: Double {
            truePositives + falseNegatives == 0 ? 1 : Double(truePositives) / Double(truePositives + falseNegatives)
        }
        var f1: Double { precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall) }
        var accuracy: Double { total == 0 ? 1 : Double(correct) / Double(total) }
    }

    /// The class counted as "positive" for precision and recall, per evaluator.
    static let positiveLabels: [(String, String)] = [
        ("failure_to_answer", "fail"), ("language_mismatch", "mismatch"), ("pii_input", "detected"),
        ("pii_output", "detected"), ("prompt_injection", "detected"), ("toxicity", "toxic"),
        ("topic_relevance", "off_topic"), ("quality", "problem"),
    ]

    let cases: [Case]

    init() throws {
        let url = try #require(
            Bundle.module.url(forResource: "cases", withExtension: "jsonl", subdirectory: "LabeledSet"))
        let text = try String(contentsOf: url, encoding: .utf8)
        let decoder = JSONDecoder()
        cases = try text.split(separator: "\n").map { try decoder.decode(Case.self, from: Data($0.utf8)) }
    }

    /// An evaluator's label in the labeled set's vocabulary: `ja→en` is `mismatch`, `suspected` is `none`.
    static func normalized(_ label: String, evaluator: String) -> String {
        if evaluator == "language_mismatch", label.contains("→") { return "mismatch" }
        if evaluator == "prompt_injection", label == "suspected" { return "none" }
        return label
    }

    /// Scores of `suite` on every case, in `positiveLabels` order.
    func scores(_ suite: EvaluationSuite = EvaluationSuite()) -> [Score] {
        var scores = Self.positiveLabels.map { Score(evaluator: $0.0, positive: $0.1) }
        for labeled in cases {
            let results = suite.evaluate(labeled.input)
            for index in scores.indices {
                let evaluator = scores[index].evaluator
                guard let expected = labeled.expect[evaluator],
                    let result = results.first(where: { $0.name == evaluator })
                else { continue }
                let actual = Self.normalized(result.label, evaluator: evaluator)
                let isPositive: (String) -> Bool = { label in
                    evaluator == "quality" ? label != "ok" : label == scores[index].positive
                }
                scores[index].total += 1
                if actual == expected {
                    scores[index].correct += 1
                } else {
                    scores[index].misses.append(
                        "\(labeled.id): expected \(expected), got \(result.label) (\(result.reason))")
                }
                switch (isPositive(expected), isPositive(actual)) {
                case (true, true): scores[index].truePositives += 1
                case (false, true): scores[index].falsePositives += 1
                case (true, false): scores[index].falseNegatives += 1
                case (false, false): break
                }
            }
        }
        return scores
    }
}
