#pragma once

#include <QByteArray>
#include <QString>

#include <sys/socket.h>

namespace Herald::Bench {

// The server's address from an http:// URL, accepted only when it is on this machine: a
// 127.0.0.0/8 address, "localhost" or ::1. The bench can open tens of thousands of connections
// and publish thousands of events a second; it must never be pointed at someone else's server.
class LoopbackUrl
{
public:
    // Parses url; on failure returns false and says why in *error.
    bool parse(const QString &url, QString *error);

    const sockaddr *address() const { return reinterpret_cast<const sockaddr *>(&m_address); }
    socklen_t addressLength() const { return m_addressLength; }
    int family() const { return m_address.ss_family; }
    // The Host header value, e.g. "127.0.0.1:8080" or "[::1]:8080".
    QByteArray hostHeader() const { return m_hostHeader; }
    QString text() const { return m_text; }

private:
    sockaddr_storage m_address{};
    socklen_t m_addressLength = 0;
    QByteArray m_hostHeader;
    QString m_text;
};

} // namespace Herald::Bench
