#pragma once

#include "protocol/eventstreamparser.h"
#include "scenario/clientlog.h"
#include "scenario/httpresponsereader.h"

#include <QObject>
#include <QPointer>
#include <QTimer>
#include <QUrl>

#include <optional>

class QTcpSocket;

namespace Herald {

/*
    An EventSource on a QTcpSocket that follows the HTML Living Standard's processing model
    (9.2.3 "Processing model", 9.2.6 "Interpreting an event stream") and records everything it
    sees, so that scenarios can hold a server and its clients to the standard:

    - GET with "Accept: text/event-stream", "Cache-Control: no-cache" and "Last-Event-ID" when
      the last event ID string is not empty;
    - 200 with a text/event-stream Content-Type announces the connection; any other status or
      type fails it for good (no reconnection; 204 is how a server says "stop");
    - the end of the body, or a network error, reestablishes the connection after the
      reconnection time: 3000 ms until the stream sets one with "retry:".

    A client can be made to misbehave on purpose, so that a scenario can show that its checks
    catch the kind of client they are written against.
*/
class VirtualClient : public QObject
{
    Q_OBJECT

public:
    enum class Behaviour {
        Good, // what the standard says
        IgnoresRetry, // reconnects after its own fixed delay, whatever "retry:" said
        NeverSendsLastEventId, // reconnects from scratch, so it misses what it was not sent
        ReconnectsImmediately, // no delay at all, not even after a refusal (it never gives up)
        ReadsSlowly // takes bytes off the socket at a fixed rate, so the server has to queue
    };
    enum class State { Idle, Connecting, Open, Waiting, Failed, Stopped };

    struct Config
    {
        QUrl url; // the stream, query included (http only)
        QString name;
        QString group;
        QStringList topics; // for the log; the URL carries them
        Behaviour behaviour = Behaviour::Good;
        int ownDelayMs = 0; // IgnoresRetry: the delay it uses instead of the stream's
        qint64 readBytesPerSecond = 1024; // ReadsSlowly
        int maxAttempts = 10000; // bounds a client that would reconnect forever
    };

    // HTML leaves the initial reconnection time to the user agent; browsers use about 3 s.
    static constexpr int DefaultReconnectionTimeMs = 3000;

    explicit VirtualClient(Config config, QObject *parent = nullptr);
    ~VirtualClient() override;

    void start();
    // Ends the client for good on its owner's behalf (not a protocol failure).
    void stop();

    State state() const { return m_state; }
    bool isOpen() const { return m_state == State::Open; }
    // Stopped for good by the protocol (non-200, wrong type, 204, too many attempts).
    bool hasFailed() const { return m_state == State::Failed; }
    const Config &config() const { return m_config; }
    const ClientLog &log() const { return m_log; }
    QString name() const { return m_config.name; }
    // Herald-Client-Id of the stream now open; empty when none is.
    QByteArray serverClientId() const;
    QByteArray lastEventId() const { return m_parser.lastEventId(); }
    int reconnectionTimeMs() const;

    static QString behaviourName(Behaviour behaviour);
    static std::optional<Behaviour> behaviourFromName(const QString &name);
    static QStringList behaviourNames();

Q_SIGNALS:
    void opened();
    void eventReceived();
    void disconnected();
    void failed(const QString &reason);

private:
    void connectNow();
    void sendRequest();
    void readAvailable(qint64 max);
    void process(const QByteArray &bytes);
    void onHead();
    void onSocketGone();
    void endConnection(const QString &reason);
    void failConnection(const QString &reason);
    void dropSocket();
    void setState(State state);
    int plannedDelayMs() const;
    bool bodyEndsCleanly() const;

    Config m_config;
    ClientLog m_log;
    EventStreamParser m_parser;
    HttpResponseReader m_reader;
    QPointer<QTcpSocket> m_socket;
    QTimer m_reconnectTimer;
    QTimer m_slowReadTimer;
    State m_state = State::Idle;
    bool m_headSeen = false;
    QByteArray m_tail; // the last bytes of this connection's body
    QString m_socketError;
    int m_watchFd = -1; // a duplicate of the socket's descriptor, to tell a reset from a FIN
};

} // namespace Herald
