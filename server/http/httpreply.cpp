#include "http/httpreply.h"

#include <QJsonObject>
#include <QTcpSocket>

namespace Herald::HttpReply {

QByteArray reasonPhrase(int status)
{
    switch (status) {
    case 100:
        return "Continue";
    case 200:
        return "OK";
    case 202:
        return "Accepted";
    case 204:
        return "No Content";
    case 400:
        return "Bad Request";
    case 401:
        return "Unauthorized";
    case 403:
        return "Forbidden";
    case 404:
        return "Not Found";
    case 405:
        return "Method Not Allowed";
    case 408:
        return "Request Timeout";
    case 409:
        return "Conflict";
    case 413:
        return "Content Too Large";
    case 415:
        return "Unsupported Media Type";
    case 429:
        return "Too Many Requests";
    case 431:
        return "Request Header Fields Too Large";
    case 500:
        return "Internal Server Error";
    case 501:
        return "Not Implemented";
    case 503:
        return "Service Unavailable";
    case 505:
        return "HTTP Version Not Supported";
    default:
        return "Status";
    }
}

QByteArray head(int status, const HeaderList &headers)
{
    QByteArray out = "HTTP/1.1 " + QByteArray::number(status) + ' ' + reasonPhrase(status) + "\r\n";
    for (const auto &[name, value] : headers)
        out += name + ": " + value + "\r\n";
    out += "\r\n";
    return out;
}

void write(QTcpSocket *socket, int status, const HeaderList &headers, const QByteArray &body,
           bool headOnly, bool close)
{
    HeaderList all = headers;
    // 1xx and 204 answers have no body and must not say they have one (RFC 9110, 8.6).
    if (status >= 200 && status != 204)
        all.append(qMakePair(QByteArray("Content-Length"), QByteArray::number(body.size())));
    if (close)
        all.append(qMakePair(QByteArray("Connection"), QByteArray("close")));

    QByteArray out = head(status, all);
    if (!headOnly)
        out += body;
    socket->write(out);
    if (close)
        socket->disconnectFromHost(); // flushes what was written, then closes
}

QByteArray errorBody(const QString &message)
{
    return QJsonDocument(QJsonObject{{QStringLiteral("error"), message}})
        .toJson(QJsonDocument::Compact);
}

} // namespace Herald::HttpReply
