/// Real-user-monitoring queries: the browser's view of a chat joined to the server's.
extension TelemetryQueries {
    static let rumColumns = """
        time_ns, session_id, view_id, type, name, trace_id, value, attributes, country, region, city, browser, os,
        device
        """

    /// RUM events, newest first; `type` narrows to one kind (`action`, `error`, `vital`, …).
    public func rumEvents(
        type: String? = nil, sessionID: String? = nil, limit: Int = 100
    ) throws(StorageError)
        -> [RUMEvent]
    {
        try database.prepare(
            """
            SELECT \(Self.rumColumns) FROM rum_events WHERE (?1 IS NULL OR type = ?1)
            AND (?2 IS NULL OR session_id = ?2) ORDER BY time_ns DESC, id DESC LIMIT ?3
            """
        ).rows([type.map { .text($0) } ?? .null, sessionID.map { .text($0) } ?? .null, .int(Int64(limit))])
            .map { Self.rumEvent($0, at: 0) }
    }

    /// User actions that carried a trace id, newest first, each with the chat the server stored under that
    /// trace id (`rum_events.trace_id` = `chats.trace_id`, the `traceparent` the page sent).
    public func rumActionsWithTraces(limit: Int = 50) throws(StorageError) -> [RUMActionTrace] {
        let rows = try database.prepare(
            """
            SELECT \(Self.rumColumns.split(separator: ",").map { "r." + $0.trimmed() }.joined(separator: ", ")),
                \(Self.chatColumns.split(separator: ",").map { "c." + $0.trimmed() }.joined(separator: ", "))
            FROM rum_events r LEFT JOIN chats c ON c.trace_id = r.trace_id
            WHERE r.type = 'action' AND r.trace_id IS NOT NULL ORDER BY r.time_ns DESC, r.id DESC LIMIT ?1
            """
        ).rows([.int(Int64(limit))])
        return rows.map { row in
            let chat = row[14].text == nil ? nil : Self.chat(Array(row[14...]))
            return RUMActionTrace(action: Self.rumEvent(row, at: 0), chat: chat)
        }
    }

    /// Browser errors from sessions in which a chat failed (HTTP status ≥ 400 or an error after streaming
    /// began), newest first, each with the failed chats' trace ids. The join goes through the action events:
    /// an action's trace id names its chat, and the action's session is the browser session.
    public func rumErrorsInSessionsWithFailedChats(limit: Int = 50) throws(StorageError) -> [RUMSessionError] {
        let rows = try database.prepare(
            """
            WITH failed AS (
                SELECT DISTINCT a.session_id, c.trace_id FROM rum_events a JOIN chats c ON c.trace_id = a.trace_id
                WHERE a.type = 'action' AND (c.status >= 400 OR c.error_code IS NOT NULL)
            )
            SELECT \(Self.rumColumns.split(separator: ",").map { "e." + $0.trimmed() }.joined(separator: ", ")),
                (SELECT group_concat(f.trace_id) FROM failed f WHERE f.session_id = e.session_id)
            FROM rum_events e WHERE e.type = 'error' AND e.session_id IN (SELECT session_id FROM failed)
            ORDER BY e.time_ns DESC, e.id DESC LIMIT ?1
            """
        ).rows([.int(Int64(limit))])
        return rows.map { row in
            let traces = (row[14].text ?? "").split(separator: ",").map(String.init).sorted()
            return RUMSessionError(error: Self.rumEvent(row, at: 0), failedTraceIDs: traces)
        }
    }

    static func rumEvent(_ r: [SQLiteValue], at i: Int) -> RUMEvent {
        RUMEvent(
            timeNs: UInt64(r[i].int ?? 0), sessionID: r[i + 1].text ?? "", viewID: r[i + 2].text,
            type: r[i + 3].text ?? "", name: r[i + 4].text, traceID: r[i + 5].text, value: r[i + 6].double,
            attributesJSON: r[i + 7].text ?? "{}", country: r[i + 8].text, region: r[i + 9].text, city: r[i + 10].text,
            browser: r[i + 11].text, os: r[i + 12].text, device: r[i + 13].text)
    }
}

extension Substring {
    fileprivate func trimmed() -> Substring {
        var s = self
        while let c = s.first, c.isWhitespace { s.removeFirst() }
        while let c = s.last, c.isWhitespace { s.removeLast() }
        return s
    }
}
