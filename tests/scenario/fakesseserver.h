#pragma once

#include <QByteArray>
#include <QList>
#include <QObject>
#include <QTcpServer>
#include <QUrl>

#include <functional>

class QTcpSocket;

namespace Herald::Test {

// A loopback server that answers stream requests however a test scripts it, for the cases a
// real Herald never produces (wrong content type, a BOM, CRLF lines, chunked bodies). It keeps
// every request head it gets, so tests can look at what a client sent.
class FakeSseServer : public QObject
{
    Q_OBJECT

public:
    // Called once the request head has arrived; connection counts from 1.
    using Script = std::function<void(QTcpSocket *socket, int connection)>;

    explicit FakeSseServer(QObject *parent = nullptr);

    bool listen();
    quint16 port() const { return m_server.serverPort(); }
    QUrl url(const QString &pathAndQuery = QStringLiteral("/events")) const;
    void setScript(Script script) { m_script = std::move(script); }

    QList<QByteArray> requests() const { return m_requests; }
    QList<qint64> requestTimes() const { return m_times; } // ms since the epoch
    // A header of a request head, by case-insensitive name; null when absent.
    static QByteArray header(const QByteArray &request, const QByteArray &name);

    // Writes bytes a few at a time with a pause between, so that the client sees them split.
    static void writeInPieces(QTcpSocket *socket, const QByteArray &bytes, int pieceSize,
                              bool closeAfter);

Q_SIGNALS:
    void requestReceived(int connection);

private:
    QTcpServer m_server;
    Script m_script;
    QList<QByteArray> m_requests;
    QList<qint64> m_times;
};

} // namespace Herald::Test
