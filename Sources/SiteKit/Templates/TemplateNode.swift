/// One element of a parsed template.
indirect enum TemplateNode: Equatable, Sendable {
    /// Literal text, copied as is.
    case text(String)
    /// `{{ expression | filter ... }}`.
    case output(TemplateExpression, filters: [String], line: Int)
    /// `{% if %}` … `{% elif %}` … `{% else %}` … `{% endif %}`.
    case conditional(branches: [ConditionalBranch], otherwise: [TemplateNode])
    /// `{% for name in expression %}` … `{% else %}` … `{% endfor %}`.
    case loop(variable: String, sequence: TemplateExpression, body: [TemplateNode], empty: [TemplateNode], line: Int)
    /// `{% include "name" %}`.
    case include(String, line: Int)
}

/// One `if`/`elif` test and the nodes it guards.
struct ConditionalBranch: Equatable, Sendable {
    var condition: TemplateExpression
    var body: [TemplateNode]
    var line: Int
}
