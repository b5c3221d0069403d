#ifndef KAGAMI_CSQLITE_SHIM_H
#define KAGAMI_CSQLITE_SHIM_H
#include <sqlite3.h>

/// Turns off SQLite's memory statistics: with them on, every allocation SQLite makes takes a process-wide mutex
/// (sqlite3_config is variadic, so Swift cannot call it). Only effective before SQLite initialises.
static inline int kagami_sqlite_disable_memstatus(void) { return sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0); }

/// SQLITE_STATIC is a macro casting 0 to a function pointer, which Swift cannot import. With it, SQLite reads
/// bound text in place: the caller keeps the bytes alive until the statement is reset or rebound.
static inline void (*kagami_sqlite_static(void))(void *) { return SQLITE_STATIC; }
#endif
