#if canImport(Glibc)
    import Glibc
#endif

/// The command line every Kagami FastCGI handler shares:
/// `--config PATH`, `--socket PATH`, `--socket-mode MODE`, `--listen HOST:PORT`, `--threads N`, `--check`, `--help`.
public struct HandlerCommandLine: Sendable, Equatable {
    public var configPath: String?
    public var socketPath: String?
    /// Octal file mode of the unix socket. Default 660.
    public var socketMode: UInt32 = 0o660
    public var listen: String?
    public var threads: Int?
    public var checkOnly = false

    public init() {}

    /// Parses `arguments` (without the program name). `--help` prints `usage` and exits 0; a mistake prints
    /// what is wrong and exits 2.
    public static func parse(_ arguments: [String], program: String, usage: String) -> HandlerCommandLine {
        var options = HandlerCommandLine()
        var rest = arguments[...]
        func value(for flag: String) -> String {
            guard let value = rest.popFirst() else { fail(program, "\(flag) needs a value (see --help)") }
            return value
        }
        while let argument = rest.popFirst() {
            switch argument {
            case "--config": options.configPath = value(for: argument)
            case "--socket": options.socketPath = value(for: argument)
            case "--socket-mode":
                guard let mode = UInt32(value(for: argument), radix: 8), mode <= 0o777 else {
                    fail(program, "--socket-mode takes an octal mode such as 660")
                }
                options.socketMode = mode
            case "--listen": options.listen = value(for: argument)
            case "--threads":
                guard let count = Int(value(for: argument)), (1...4096).contains(count) else {
                    fail(program, "--threads takes a number from 1 to 4096")
                }
                options.threads = count
            case "--check": options.checkOnly = true
            case "--help", "-h":
                print(usage)
                exit(0)
            default: fail(program, "unknown option \(argument) (see --help)")
            }
        }
        return options
    }

    /// Where to listen: `--socket`, `--listen`, a socket from systemd (`LISTEN_FDS`, fd 3), else fd 0.
    public func listenAddress(environment: [String: String], program: String) -> ListenAddress {
        if let socketPath { return .unix(path: socketPath, mode: socketMode) }
        if let listen {
            guard let parsed = ListenAddress.parse(listen) else {
                HandlerCommandLine.fail(program, "--listen takes HOST:PORT, e.g. 127.0.0.1:9000")
            }
            return parsed
        }
        if environment["LISTEN_FDS"] == "1", environment["LISTEN_PID"] == String(getpid()) {
            return .inherited(fd: 3)  // systemd socket activation: SD_LISTEN_FDS_START
        }
        return .inherited(fd: 0)
    }

    private static func fail(_ program: String, _ message: String) -> Never {
        let line = "\(program): \(message)\n"
        _ = line.withCString { write(2, $0, strlen($0)) }
        exit(2)
    }
}
