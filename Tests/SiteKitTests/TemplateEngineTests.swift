import Testing

@testable import SiteKit

private func render(
    _ source: String, _ context: [String: TemplateValue] = [:], partials: [String: String] = [:]
)
    throws -> String
{
    var set = TemplateSet()
    try set.add(name: "page.html", source: source)
    for (name, text) in partials { try set.add(name: name, source: text) }
    return try set.render("page.html", context: context)
}

private func templateError(
    _ source: String, _ context: [String: TemplateValue] = [:], partials: [String: String] = [:]
)
    -> TemplateError?
{
    do {
        _ = try render(source, context, partials: partials)
        return nil
    } catch let error as TemplateError {
        return error
    } catch {
        return nil
    }
}

@Test func variablesAreHTMLEscapedByDefault() throws {
    let out = try render("<p title=\"{{ x }}\">{{ x }}</p>", ["x": "<b>\"Tom\" & 'Jerry'</b>"])
    #expect(
        out
            == "<p title=\"&lt;b&gt;&quot;Tom&quot; &amp; &#39;Jerry&#39;&lt;/b&gt;\">&lt;b&gt;&quot;Tom&quot; &amp; &#39;Jerry&#39;&lt;/b&gt;</p>"
    )
}

@Test func rawOnlyWhenAsked() throws {
    #expect(try render("{{ x | raw }}", ["x": "<b>bold</b>"]) == "<b>bold</b>")
}

@Test func dottedPathsNumbersAndBooleans() throws {
    let context: [String: TemplateValue] = ["route": ["label": "Granite", "limits": ["max": 256]], "on": true]
    #expect(try render("{{ route.label }} {{ route.limits.max }} {{ on }}", context) == "Granite 256 true")
}

@Test func jsonFilterIsSafeInsideScript() throws {
    let context: [String: TemplateValue] = ["data": ["name": "</script><script>alert(1)</script>", "n": 3, "ok": nil]]
    let out = try render("<script type=\"application/json\">{{ data | json | raw }}</script>", context)
    #expect(!out.dropLast(9).contains("</script"))
    #expect(
        out.contains(#"{"n":3,"name":"\u003c/script\u003e\u003cscript\u003ealert(1)\u003c/script\u003e","ok":null}"#))
    // Without raw, JSON is HTML-escaped too, which suits attributes.
    #expect(try render("{{ v | json }}", ["v": "a\"b"]) == "&quot;a\\&quot;b&quot;")
}

@Test func conditionalsWithElifElseAndOperators() throws {
    let source = "{% if a == \"x\" %}X{% elif not b and c %}C{% elif b or c %}BC{% else %}none{% endif %}"
    #expect(try render(source, ["a": "x", "b": false, "c": false]) == "X")
    #expect(try render(source, ["a": "y", "b": false, "c": true]) == "C")
    #expect(try render(source, ["a": "y", "b": true, "c": false]) == "BC")
    #expect(try render(source, ["a": "y", "b": false, "c": false]) == "none")
    #expect(try render("{% if (a != 1) and not e %}yes{% endif %}", ["a": 2, "e": []]) == "yes")
}

@Test func truthiness() {
    #expect(!TemplateValue.null.isTruthy && !TemplateValue.string("").isTruthy && !TemplateValue.int(0).isTruthy)
    #expect(
        !TemplateValue.list([]).isTruthy && !TemplateValue.object([:]).isTruthy && !TemplateValue.bool(false).isTruthy)
    #expect(TemplateValue.string("0").isTruthy && TemplateValue.list([nil]).isTruthy && TemplateValue.int(-1).isTruthy)
}

@Test func loopsWithLoopVariablesAndElse() throws {
    let source =
        "{% for m in models %}{{ loop.index }}:{{ m }}{% if loop.first %}(first){% endif %}{% if not loop.last %}, {% endif %}{% else %}none{% endfor %}"
    #expect(try render(source, ["models": ["a", "<b>"]]) == "1:a(first), 2:&lt;b&gt;")
    #expect(try render(source, ["models": []]) == "none")
}

@Test func loopVariableShadowsAndDisappearsAfterTheLoop() throws {
    #expect(try render("{% for x in xs %}{{ x }}{% endfor %}{{ x }}", ["x": "outer", "xs": ["in"]]) == "inouter")
}

@Test func includesSeeTheSameVariables() throws {
    let out = try render("a{% include \"_p.html\" %}c", ["v": "<b>"], partials: ["_p.html": "[{{ v }}]"])
    #expect(out == "a[&lt;b&gt;]c")
}

@Test func aTagAloneOnItsLineLeavesNoBlankLine() throws {
    let source = "<ul>\n  {% for x in xs %}\n  <li>{{ x }}</li>\n  {% endfor %}\n</ul>\n{# note #}\nend"
    #expect(try render(source, ["xs": ["a", "b"]]) == "<ul>\n  <li>a</li>\n  <li>b</li>\n</ul>\nend")
    // Inline tags keep the text around them.
    #expect(try render("a {% if t %}b{% endif %} c\n", ["t": true]) == "a b c\n")
}

@Test func commentsRenderNothing() throws {
    #expect(try render("a{# {{ not evaluated }} #}b") == "ab")
}

@Test func unclosedOutputTagNamesFileAndLine() {
    let error = templateError("line one\nline two {{ title\nline three }}")
    #expect(error?.file == "page.html")
    #expect(error?.line == 2)
    #expect(error?.message.contains("unclosed {{") == true)
    #expect(error?.description.hasPrefix("page.html:2: ") == true)
}

@Test func unclosedBlockPointsAtItsOpeningLine() {
    let error = templateError("a\n\n{% if x %}\nb\n{% for y in ys %}{% endfor %}\n")
    #expect(error?.line == 3)
    #expect(error?.message.contains("{% endif %}") == true)
    #expect(templateError("{% for x in xs %}\n")?.message.contains("{% endfor %}") == true)
}

@Test func mismatchedAndStrayEndTags() {
    let mismatched = templateError("{% if a %}\n{% endfor %}")
    #expect(mismatched?.line == 2)
    #expect(mismatched?.message.contains("opened at line 1") == true)
    #expect(templateError("x\n{% endif %}")?.line == 2)
    #expect(templateError("{% if a %}{% else %}{% elif b %}{% endif %}") != nil)
}

@Test func unknownTagsFiltersAndBadExpressions() {
    #expect(templateError("\n{% block x %}")?.message.contains("unknown tag") == true)
    #expect(templateError("{{ x | upper }}", ["x": "a"])?.message.contains("unknown filter") == true)
    #expect(templateError("{{ a + b }}")?.message.contains("cannot read") == true)
    #expect(templateError("{% for in xs %}{% endfor %}")?.message.contains("for NAME in LIST") == true)
    #expect(templateError("{{ }}") != nil)
    #expect(templateError("{% include _p.html %}")?.message.contains("quoted") == true)
}

@Test func unknownVariablesAndKeysAreErrorsWithTheirLine() {
    let unknown = templateError("ok\n{{ titel }}", ["title": "x"])
    #expect(unknown?.line == 2)
    #expect(unknown?.message.contains("unknown variable \"titel\"") == true)
    #expect(unknown?.message.contains("title") == true)
    let key = templateError("{{ site.nmae }}", ["site": ["name": "x"]])
    #expect(key?.message.contains("has no key \"nmae\"") == true)
    #expect(templateError("{{ s.x }}", ["s": "text"])?.message.contains("is a string") == true)
    #expect(templateError("{{ xs }}", ["xs": [1]])?.message.contains("cannot print a list") == true)
    #expect(templateError("{% for x in s %}{% endfor %}", ["s": "text"])?.message.contains("needs a list") == true)
}

@Test func errorsInIncludesNameTheIncludedFile() {
    let error = templateError("{% include \"_p.html\" %}", partials: ["_p.html": "\n\n{{ missing }}"])
    #expect(error?.file == "_p.html")
    #expect(error?.line == 3)
}

@Test func setCheckFindsMissingIncludesAndCycles() throws {
    var set = TemplateSet()
    try set.add(name: "a.html", source: "\n{% include \"b.html\" %}")
    try set.add(name: "b.html", source: "{% include \"a.html\" %}")
    try set.add(name: "c.html", source: "{% include \"nope.html\" %}")
    let problems = set.check()
    #expect(problems.contains { $0.file == "c.html" && $0.message.contains("nope.html") })
    #expect(problems.contains { $0.file == "a.html" && $0.message.contains("cycle") })
    #expect(throws: TemplateError.self) { try set.render("a.html", context: [:]) }
}
