import KagamiConfig

/// Turns tokens and time into money: a cloud-equivalent price per model, and the host's monthly price
/// spread over the time a request occupied it.
public struct CostModel: Sendable {
    let settings: CostSettings
    /// Host price per millisecond of request time.
    let hostPerMs: Double

    public init(settings: CostSettings) {
        self.settings = settings
        self.hostPerMs = settings.hostMonthlyPrice / (30 * 24 * 3_600_000)
    }

    /// What these tokens would cost at the configured price for `model` (also tried without `:latest`);
    /// `nil` when no price is configured.
    public func cloudCost(model: String?, inputTokens: Int?, outputTokens: Int?) -> Double? {
        guard let model else { return nil }
        let bare = model.hasSuffix(":latest") ? String(model.dropLast(7)) : model
        guard let price = settings.models[model] ?? settings.models[bare] ?? settings.models[bare + ":latest"] else {
            return nil
        }
        return (Double(inputTokens ?? 0) * price.inputPerMillion + Double(outputTokens ?? 0) * price.outputPerMillion)
            / 1_000_000
    }

    /// The host's price for `durationMs` of its time; `nil` when no host price is configured.
    public func hostCost(durationMs: Double) -> Double? {
        settings.hostMonthlyPrice > 0 ? durationMs * hostPerMs : nil
    }
}
