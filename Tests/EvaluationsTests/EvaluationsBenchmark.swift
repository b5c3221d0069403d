import Evaluations
import Foundation
import Privacy
import Testing

/// Figures for `bench/evaluations_bench.sh`: precision/recall per evaluator and the time per chat of masking
/// plus all evaluations. Runs only with `KAGAMI_BENCH=1` (build with `-c release` for meaningful timings).
@Test(.enabled(if: ProcessInfo.processInfo.environment["KAGAMI_BENCH"] == "1"))
func evaluationsBenchmark() throws {
    let set = try LabeledSet()
    #if DEBUG
        let mode = "debug"
    #else
        let mode = "release"
    #endif
    print("== Kagami evaluations bench ==")
    print(
        "conditions: \(ProcessInfo.processInfo.activeProcessorCount) cores, \(mode) build, "
            + "\(set.cases.count) labeled cases (\(set.cases.filter { $0.lang == "ja" }.count) ja)")
    print("evaluator            precision  recall     F1  accuracy   n")
    for score in set.scores() {
        func pad(_ text: String, _ width: Int) -> String {
            text + String(repeating: " ", count: max(0, width - text.count))
        }
        func fmt(_ value: Double) -> String { String(format: "%.3f", value) }
        print(
            pad(score.evaluator, 20) + "  " + pad(fmt(score.precision), 9) + "  " + pad(fmt(score.recall), 6) + "  "
                + pad(fmt(score.f1), 5) + "  " + pad(fmt(score.accuracy), 8) + "  \(score.total)")
        for miss in score.misses { print("    miss \(miss)") }
    }

    let masker = Masker(hashKey: Array("bench-key".utf8))
    let suite = EvaluationSuite()
    func chat(_ input: EvaluationInput, policy: MaskingPolicy) -> Int {
        let results = suite.evaluate(input)
        let prompt = masker.mask(input.prompt, with: policy)
        let reply = masker.mask(input.reply, with: policy)
        return results.count + (prompt?.utf8.count ?? 0) + (reply?.utf8.count ?? 0)
    }
    func median(_ iterations: Int, _ body: () -> Int) -> (median: Double, p99: Double) {
        var sink = 0
        var samples: [Double] = []
        samples.reserveCapacity(iterations)
        let clock = ContinuousClock()
        for _ in 0..<min(20, iterations) { sink &+= body() }  // warm-up
        for _ in 0..<iterations {
            let elapsed = clock.measure { sink &+= body() }
            samples.append(Double(elapsed.components.attoseconds) / 1e15 + Double(elapsed.components.seconds) * 1e3)
        }
        samples.sort()
        precondition(sink != 42)
        return (samples[samples.count / 2], samples[min(samples.count - 1, samples.count * 99 / 100)])
    }

    // A realistic 2 KB exchange: mixed Japanese and English with a phone number and an e-mail in it.
    let jaBlock = "東京で週末に行けるおすすめの美術館を教えてください。連絡先は090-1234-5678、taro@example.com です。"
    let enBlock =
        "The museum opens at 10:00 and tickets cost ¥1,200; the special exhibition on Edo prints runs until May. "
    var prompt2k = ""
    while prompt2k.utf8.count < 2048 { prompt2k += jaBlock + enBlock }
    var reply2k = ""
    while reply2k.utf8.count < 2048 { reply2k += enBlock + "国立西洋美術館や東京国立博物館がおすすめです。" }
    let small = EvaluationInput(
        prompt: prompt2k, reply: reply2k, doneReason: "stop", maxTokens: 512, completionTokens: 400)
    let iterations = 2000
    for policy in [MaskingPolicy.default, .pii, .hash] {
        let (med, p99) = median(iterations) { chat(small, policy: policy) }
        print(
            String(
                format: "2 KB prompt + 2 KB reply, masking %@ + all evaluators: median %.3f ms, p99 %.3f ms (N=%d)",
                policy.description, med, p99, iterations))
    }
    let evalOnly = median(iterations) { suite.evaluate(small).count }
    print(String(format: "2 KB + 2 KB, evaluators only: median %.3f ms (N=%d)", evalOnly.median, iterations))

    var huge = ""
    while huge.utf8.count < 1_048_576 { huge += jaBlock + enBlock }
    let big = EvaluationInput(prompt: huge, reply: reply2k, doneReason: "stop")
    let bigIterations = 50
    for policy in [MaskingPolicy.default, .pii, .hash] {
        let (med, p99) = median(bigIterations) { chat(big, policy: policy) }
        print(
            String(
                format: "1 MB prompt + 2 KB reply, masking %@ + all evaluators: median %.3f ms, p99 %.3f ms (N=%d)",
                policy.description, med, p99, bigIterations))
    }
    let bigEval = median(bigIterations) { suite.evaluate(big).count }
    print(String(format: "1 MB prompt, evaluators only: median %.3f ms (N=%d)", bigEval.median, bigIterations))
}
