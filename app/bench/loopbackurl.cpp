#include "loopbackurl.h"

#include <QUrl>

#include <cstring>

#include <arpa/inet.h>
#include <netinet/in.h>

namespace Herald::Bench {

bool LoopbackUrl::parse(const QString &url, QString *error)
{
    const QUrl parsed(url, QUrl::StrictMode);
    if (!parsed.isValid() || parsed.scheme() != QLatin1String("http")) {
        *error = QStringLiteral("%1 is not an http:// URL").arg(url);
        return false;
    }
    const int port = parsed.port();
    if (port <= 0 || port > 65535) {
        *error = QStringLiteral("%1 has no port").arg(url);
        return false;
    }
    QString host = parsed.host();
    if (host.compare(QLatin1String("localhost"), Qt::CaseInsensitive) == 0)
        host = QStringLiteral("127.0.0.1");

    m_address = {};
    const QByteArray hostBytes = host.toLatin1();
    in_addr v4{};
    in6_addr v6{};
    if (inet_pton(AF_INET, hostBytes.constData(), &v4) == 1) {
        // 127.0.0.0/8: the first octet is 127.
        if ((ntohl(v4.s_addr) >> 24) != 127) {
            *error = QStringLiteral("%1 is not a loopback address; herald-bench only measures "
                                    "servers on 127.0.0.0/8, localhost or ::1")
                         .arg(host);
            return false;
        }
        auto *sin = reinterpret_cast<sockaddr_in *>(&m_address);
        sin->sin_family = AF_INET;
        sin->sin_port = htons(quint16(port));
        sin->sin_addr = v4;
        m_addressLength = sizeof(sockaddr_in);
        m_hostHeader = hostBytes + ':' + QByteArray::number(port);
    } else if (inet_pton(AF_INET6, hostBytes.constData(), &v6) == 1) {
        if (std::memcmp(&v6, &in6addr_loopback, sizeof v6) != 0) {
            *error = QStringLiteral("%1 is not a loopback address; herald-bench only measures "
                                    "servers on 127.0.0.0/8, localhost or ::1")
                         .arg(host);
            return false;
        }
        auto *sin6 = reinterpret_cast<sockaddr_in6 *>(&m_address);
        sin6->sin6_family = AF_INET6;
        sin6->sin6_port = htons(quint16(port));
        sin6->sin6_addr = v6;
        m_addressLength = sizeof(sockaddr_in6);
        m_hostHeader = "[::1]:" + QByteArray::number(port);
    } else {
        *error = QStringLiteral("%1: the host must be 127.x.y.z, localhost or [::1] (no name "
                                "lookups)")
                     .arg(url);
        return false;
    }
    m_text = QStringLiteral("http://%1/").arg(QString::fromLatin1(m_hostHeader));
    return true;
}

} // namespace Herald::Bench
