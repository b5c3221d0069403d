import CMaxMindDB

#if canImport(Glibc)
    import Glibc
#endif

/// Why a geo database could not be opened.
public struct GeoDatabaseError: Error, CustomStringConvertible {
    public let path: String
    public let reason: String
    public var description: String { "cannot open geo database \(path): \(reason)" }
}

/// Owns one memory-mapped MaxMind-format database (`.mmdb`: DB-IP Lite, GeoLite2) and answers lookups.
///
/// `@unchecked Sendable`: libmaxminddb lookups only read the `MMDB_s` after `MMDB_open`, which the library
/// documents as safe from many threads; the handle is opened in `init` and closed in `deinit` only.
public final class GeoDatabase: @unchecked Sendable {
    private let handle: UnsafeMutablePointer<MMDB_s>
    /// NULL-terminated lookup paths for `MMDB_aget_value`, allocated once.
    private let countryPath: UnsafeMutablePointer<UnsafePointer<CChar>?>
    private let regionPath: UnsafeMutablePointer<UnsafePointer<CChar>?>
    private let cityPath: UnsafeMutablePointer<UnsafePointer<CChar>?>
    /// The database's own description (`ipinfo`, `DBIP-City-Lite`, `GeoLite2-City`).
    public let databaseType: String

    /// Opens `path` (memory-mapped). Throws for a missing, unreadable or corrupt file.
    public init(path: String) throws(GeoDatabaseError) {
        handle = .allocate(capacity: 1)
        let status = MMDB_open(path, UInt32(MMDB_MODE_MMAP), handle)
        guard status == MMDB_SUCCESS else {
            let reason: String
            if status == MMDB_IO_ERROR {
                reason = String(cString: strerror(errno))
            } else {
                reason = String(cString: MMDB_strerror(status))
            }
            handle.deallocate()
            throw GeoDatabaseError(path: path, reason: reason)
        }
        databaseType = String(cString: handle.pointee.metadata.database_type)
        countryPath = Self.path(["country", "iso_code"])
        regionPath = Self.path(["subdivisions", "0", "names", "en"])
        cityPath = Self.path(["city", "names", "en"])
    }

    deinit {
        MMDB_close(handle)
        handle.deallocate()
        for path in [countryPath, regionPath, cityPath] {
            var index = 0
            while let component = path[index] {
                free(UnsafeMutablePointer(mutating: component))
                index += 1
            }
            path.deallocate()
        }
    }

    /// The location of `address`; ``GeoLocation/unknown`` when the database has no entry (private ranges,
    /// unallocated space) or the lookup fails.
    public func lookup(_ address: IPAddress) -> GeoLocation {
        var mmdbError: Int32 = 0
        var result = address.bytes.withUnsafeBufferPointer { bytes in
            kagami_mmdb_lookup_bytes(handle, bytes.baseAddress, Int32(bytes.count), &mmdbError)
        }
        guard mmdbError == MMDB_SUCCESS, result.found_entry else { return .unknown }
        var buffer = [CChar](repeating: 0, count: 256)
        func text(_ path: UnsafeMutablePointer<UnsafePointer<CChar>?>) -> String? {
            let count = buffer.withUnsafeMutableBufferPointer { out in
                withUnsafeMutablePointer(to: &result.entry) { entry in
                    kagami_mmdb_string(entry, path, out.baseAddress, out.count)
                }
            }
            guard count > 0 else { return nil }
            return String(decoding: buffer.prefix(count).map { UInt8(bitPattern: $0) }, as: UTF8.self)
        }
        return GeoLocation(country: text(countryPath), region: text(regionPath), city: text(cityPath))
    }

    private static func path(_ components: [String]) -> UnsafeMutablePointer<UnsafePointer<CChar>?> {
        let path = UnsafeMutablePointer<UnsafePointer<CChar>?>.allocate(capacity: components.count + 1)
        for (index, component) in components.enumerated() { path[index] = UnsafePointer(strdup(component)) }
        path[components.count] = nil
        return path
    }
}
