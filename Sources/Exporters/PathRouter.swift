import FastCGI

/// Sends exact paths to their own responders and everything else to a fallback, so `/metrics` can share
/// ChatHandler's socket without the chat responder knowing about it.
public struct PathRouter: Responder {
    let routes: [String: any Responder]
    let fallback: any Responder

    public init(routes: [String: any Responder], fallback: any Responder) {
        self.routes = routes
        self.fallback = fallback
    }

    public func respond(to request: HTTPRequest, writer: any ResponseWriter) {
        (routes[request.path] ?? fallback).respond(to: request, writer: writer)
    }
}
