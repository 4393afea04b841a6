#pragma once

#include <QByteArray>
#include <QJsonDocument>
#include <QList>
#include <QPair>

class QTcpSocket;

namespace Herald {

using HeaderList = QList<QPair<QByteArray, QByteArray>>;

// Writes whole HTTP/1.1 responses to a socket QAbstractHttpServer handed us. We write them
// ourselves rather than through QHttpServerResponder so that every answer (HEAD, 405 with Allow,
// CORS, Connection: close) comes out the same way on Qt 6.4 and later.
namespace HttpReply {

QByteArray reasonPhrase(int status);

// The status line and headers, ending with the blank line.
QByteArray head(int status, const HeaderList &headers);

// headOnly leaves the body out (HEAD) but keeps its Content-Length; close ends the connection
// once written.
void write(QTcpSocket *socket, int status, const HeaderList &headers, const QByteArray &body,
           bool headOnly = false, bool close = false);

// {"error": message}
QByteArray errorBody(const QString &message);

} // namespace HttpReply
} // namespace Herald
