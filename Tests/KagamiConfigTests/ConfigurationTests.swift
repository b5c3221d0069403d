import Testing

@testable import KagamiConfig

private func parse(_ json: String) throws(ConfigErrors) -> KagamiConfiguration {
    try KagamiConfiguration.parse(json: Array(json.utf8))
}

private func firstError(_ json: String) -> String {
    do {
        let configuration = try parse(json)
        return configuration.validate().first?.description ?? "no error"
    } catch {
        return error.errors.first?.description ?? "no error"
    }
}

@Test func defaultsReproduceTheSeedRoutes() {
    let configuration = KagamiConfiguration()
    #expect(configuration.validate().isEmpty)
    #expect(configuration.route(at: "/chat")?.model == "tinyllama:latest")
    #expect(configuration.route(at: "/granite")?.model == "granite3.2:2b")
}

@Test func emptyDocumentMeansDefaults() throws {
    #expect(try parse("{}") == KagamiConfiguration())
}

@Test func theShippedConfigIsValid() throws {
    let configuration = try KagamiConfiguration.load(path: "config/kagami.json", environment: [:])
    #expect(configuration.routes.map(\.path) == ["/chat", "/granite"])
}

@Test func unknownKeysAreNamedWithTheirPath() {
    #expect(
        firstError(#"{"routes":[{"path":"/a","model":"m","max_token":5}]}"#).hasPrefix(
            "routes[0].max_token: unknown key"))
    #expect(firstError(#"{"sight":{}}"#).hasPrefix("sight: unknown key"))
}

@Test func wrongTypesNameTheKey() {
    #expect(
        firstError(#"{"routes":[{"path":"/a","model":"m","max_tokens":"many"}]}"#)
            == "routes[0].max_tokens: expected an integer")
    #expect(
        firstError(#"{"backends":{"default":{"max_queue":true}}}"#) == "backends.default.max_queue: expected an integer"
    )
    #expect(firstError(#"{"routes":[{"path":"/a"}]}"#) == "routes[0].model: required key is missing")
    #expect(firstError("{not json").hasPrefix("not valid JSON"))
}

@Test func duplicateAndUncleanRoutePaths() {
    let duplicate = #"{"routes":[{"path":"/a","model":"m"},{"path":"/a","model":"n"}]}"#
    #expect(firstError(duplicate) == #"routes[1].path: "/a" is already routes[0].path"#)
    for path in ["a", "/a/", "/a//b", "/a/../b", "/a b", "/rum", "/dashboard/x", "/"] {
        #expect(firstError(#"{"routes":[{"path":"\#(path)","model":"m"}]}"#).hasPrefix("routes[0].path"), "\(path)")
    }
    #expect(firstError(#"{"routes":[{"path":"/v1/chat-2_x.y","model":"m"}]}"#) == "no error")
}

@Test func backendURLsAndReferencesAreChecked() {
    #expect(firstError(#"{"backends":{"default":{"url":"ftp://x"}}}"#).hasPrefix("backends.default.url"))
    #expect(firstError(#"{"backends":{"default":{"url":"http://:80"}}}"#).hasPrefix("backends.default.url"))
    #expect(firstError(#"{"backends":{"default":{"url":"http://h:99999"}}}"#).hasPrefix("backends.default.url"))
    #expect(
        firstError(#"{"backends":{"default":{"type":"openai"}}}"#) == "backends.default.url: required for type openai")
    #expect(firstError(#"{"backends":{"default":{"type":"vllm"}}}"#).hasPrefix("backends.default.type"))
    #expect(
        firstError(#"{"routes":[{"path":"/a","model":"m","backend":"gpu"}]}"#)
            == #"routes[0].backend: no backend named "gpu""#)
}

@Test func environmentOverrides() {
    var configuration = KagamiConfiguration()
    configuration.apply(environment: ["OLLAMA_HOST": "0.0.0.0:12345"])
    #expect(configuration.backends["default"]?.url == "http://127.0.0.1:12345")
    configuration.apply(environment: ["KAGAMI_BACKEND_URL": "http://127.0.0.1:8081", "KAGAMI_BACKEND_TYPE": "openai"])
    #expect(configuration.backends["default"]?.type == .openai)
    #expect(configuration.backends["default"]?.providerName == "llama.cpp")
}

@Test func ollamaHostForms() {
    #expect(KagamiConfiguration.normalizeOllamaHost("localhost") == "http://localhost:11434")
    #expect(KagamiConfiguration.normalizeOllamaHost("https://gpu.lan:443/") == "https://gpu.lan:443")
    #expect(KagamiConfiguration.normalizeOllamaHost("[::1]") == "http://[::1]:11434")
    #expect(KagamiConfiguration.normalizeOllamaHost("[::1]:8000") == "http://[::1]:8000")
}

@Test func loadNamesTheFileInErrors() {
    do {
        _ = try KagamiConfiguration.load(path: "/nonexistent/kagami.json", environment: [:])
        Issue.record("expected an error")
    } catch {
        #expect(error.description.hasPrefix("/nonexistent/kagami.json: cannot read the config file"))
    }
}
