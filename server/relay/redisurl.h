#pragma once

#include <QString>

#include <optional>

namespace Herald {

// Where a Redis server is: redis://[:password@]host[:port][/db].
//
// The port defaults to 6379 and the database to 0. The password is percent-decoded; host may be
// a name, an IPv4 address or a bracketed IPv6 address. ACL user names (redis://user:pw@host),
// query parameters and fragments are rejected rather than silently ignored.
struct RedisUrl
{
    QString host = QStringLiteral("127.0.0.1");
    quint16 port = 6379;
    int db = 0;
    QString password;

    // Returns nothing and, if error is given, says why when url is not a valid redis URL.
    static std::optional<RedisUrl> parse(const QString &url, QString *error = nullptr);

    // The URL back, with the password masked ("redis://:***@host:port/db"): safe to log.
    QString toDisplayString() const;
    // The URL back, password included.
    QString toString() const;

    friend bool operator==(const RedisUrl &a, const RedisUrl &b)
    {
        return a.host == b.host && a.port == b.port && a.db == b.db && a.password == b.password;
    }
    friend bool operator!=(const RedisUrl &a, const RedisUrl &b) { return !(a == b); }
};

} // namespace Herald
