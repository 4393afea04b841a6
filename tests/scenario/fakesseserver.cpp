#include "fakesseserver.h"

#include <QDateTime>
#include <QPointer>
#include <QTcpSocket>
#include <QTimer>

namespace Herald::Test {

FakeSseServer::FakeSseServer(QObject *parent)
    : QObject(parent)
{
    connect(&m_server, &QTcpServer::newConnection, this, [this] {
        while (QTcpSocket *socket = m_server.nextPendingConnection()) {
            auto buffer = std::make_shared<QByteArray>();
            connect(socket, &QTcpSocket::disconnected, socket, &QObject::deleteLater);
            connect(socket, &QTcpSocket::readyRead, this, [this, socket, buffer] {
                if (buffer->contains("\r\n\r\n"))
                    return; // a client may send nothing after its request; ignore it
                *buffer += socket->readAll();
                const qsizetype end = buffer->indexOf("\r\n\r\n");
                if (end < 0)
                    return;
                m_requests.append(buffer->left(end + 4));
                m_times.append(QDateTime::currentMSecsSinceEpoch());
                const int connection = int(m_requests.size());
                Q_EMIT requestReceived(connection);
                if (m_script)
                    m_script(socket, connection);
            });
        }
    });
}

bool FakeSseServer::listen()
{
    return m_server.listen(QHostAddress::LocalHost, 0);
}

QUrl FakeSseServer::url(const QString &pathAndQuery) const
{
    return QUrl(QStringLiteral("http://127.0.0.1:%1%2").arg(port()).arg(pathAndQuery));
}

QByteArray FakeSseServer::header(const QByteArray &request, const QByteArray &name)
{
    for (const QByteArray &line : request.split('\n')) {
        const qsizetype colon = line.indexOf(':');
        if (colon > 0 && line.left(colon).trimmed().compare(name, Qt::CaseInsensitive) == 0)
            return line.mid(colon + 1).trimmed();
    }
    return {};
}

void FakeSseServer::writeInPieces(QTcpSocket *socket, const QByteArray &bytes, int pieceSize,
                                  bool closeAfter)
{
    QPointer<QTcpSocket> guarded(socket);
    if (!guarded)
        return;
    if (bytes.isEmpty()) {
        if (closeAfter)
            socket->disconnectFromHost();
        return;
    }
    socket->write(bytes.left(pieceSize));
    socket->flush();
    const QByteArray rest = bytes.mid(pieceSize);
    // A millisecond apart: long enough for each piece to travel on its own most of the time.
    QTimer::singleShot(1, socket, [guarded, rest, pieceSize, closeAfter] {
        if (guarded)
            writeInPieces(guarded, rest, pieceSize, closeAfter);
    });
}

} // namespace Herald::Test
