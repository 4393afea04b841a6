#include "scenario/virtualclient.h"

#include "logging.h"

#include <QDateTime>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTcpSocket>

#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

namespace Herald {

namespace {

struct BehaviourName
{
    VirtualClient::Behaviour behaviour;
    const char *name;
};

constexpr BehaviourName behaviourTable[] = {
    {VirtualClient::Behaviour::Good, "good"},
    {VirtualClient::Behaviour::IgnoresRetry, "ignores-retry"},
    {VirtualClient::Behaviour::NeverSendsLastEventId, "never-sends-last-event-id"},
    {VirtualClient::Behaviour::ReconnectsImmediately, "reconnects-immediately"},
    {VirtualClient::Behaviour::ReadsSlowly, "reads-slowly"},
};

constexpr int SlowReadTickMs = 100;

qint64 nowMs()
{
    return QDateTime::currentMSecsSinceEpoch();
}

// The MIME type essence (WHATWG MIME Sniffing): type/subtype, lower-cased, parameters dropped.
QByteArray essence(const QByteArray &contentType)
{
    return contentType.split(';').constFirst().trimmed().toLower();
}

// Qt reports a reset like an orderly close (both read as "remote host closed") and has closed
// its descriptor by then; through a duplicate of it the kernel still tells them apart: a reset
// socket is CLOSED, one that got a FIN waits in CLOSE_WAIT.
bool wasReset(int fd)
{
    if (fd < 0)
        return false;
    tcp_info info = {};
    socklen_t size = sizeof info;
    if (::getsockopt(fd, IPPROTO_TCP, TCP_INFO, &info, &size) != 0)
        return false;
    return info.tcpi_state == TCP_CLOSE;
}

} // namespace

VirtualClient::VirtualClient(Config config, QObject *parent)
    : QObject(parent)
    , m_config(std::move(config))
{
    m_log.name = m_config.name;
    m_log.group = m_config.group;
    m_log.behaviour = behaviourName(m_config.behaviour);
    m_log.topics = m_config.topics;

    m_reconnectTimer.setSingleShot(true);
    // Coarse timers may fire 5% early; reconnection timing is what scenarios check.
    m_reconnectTimer.setTimerType(Qt::PreciseTimer);
    connect(&m_reconnectTimer, &QTimer::timeout, this, &VirtualClient::connectNow);

    m_slowReadTimer.setInterval(SlowReadTickMs);
    m_slowReadTimer.setTimerType(Qt::PreciseTimer);
    connect(&m_slowReadTimer, &QTimer::timeout, this, [this] {
        readAvailable(std::max<qint64>(1, m_config.readBytesPerSecond * SlowReadTickMs / 1000));
    });
}

VirtualClient::~VirtualClient()
{
    dropSocket();
}

QString VirtualClient::behaviourName(Behaviour behaviour)
{
    for (const BehaviourName &entry : behaviourTable) {
        if (entry.behaviour == behaviour)
            return QLatin1String(entry.name);
    }
    return {};
}

std::optional<VirtualClient::Behaviour> VirtualClient::behaviourFromName(const QString &name)
{
    for (const BehaviourName &entry : behaviourTable) {
        if (name == QLatin1String(entry.name))
            return entry.behaviour;
    }
    return std::nullopt;
}

QStringList VirtualClient::behaviourNames()
{
    QStringList names;
    for (const BehaviourName &entry : behaviourTable)
        names.append(QLatin1String(entry.name));
    return names;
}

QByteArray VirtualClient::serverClientId() const
{
    if (m_state != State::Open || m_log.attempts.empty())
        return {};
    return m_log.attempts.back().serverClientId;
}

int VirtualClient::reconnectionTimeMs() const
{
    return m_parser.retry().value_or(DefaultReconnectionTimeMs);
}

void VirtualClient::setState(State state)
{
    m_state = state;
}

void VirtualClient::start()
{
    if (m_state != State::Idle)
        return;
    connectNow();
}

void VirtualClient::stop()
{
    if (m_state == State::Failed || m_state == State::Stopped)
        return;
    m_reconnectTimer.stop();
    dropSocket();
    m_log.stoppedByOwner = true;
    m_log.stoppedAtMs = nowMs();
    setState(State::Stopped);
}

void VirtualClient::connectNow()
{
    if (m_state == State::Failed || m_state == State::Stopped)
        return;
    if (int(m_log.attempts.size()) >= m_config.maxAttempts) {
        failConnection(QStringLiteral("gave up after %1 attempts").arg(m_config.maxAttempts));
        return;
    }

    ClientLog::Attempt attempt;
    attempt.index = int(m_log.attempts.size()) + 1;
    attempt.atMs = nowMs();
    // 9.2.3: "If the EventSource object's last event ID string is not the empty string, set
    // (`Last-Event-ID`, last event ID string, encoded as UTF-8) in request's header list."
    const QByteArray lastId = m_parser.lastEventId();
    if (!lastId.isEmpty() && m_config.behaviour != Behaviour::NeverSendsLastEventId) {
        attempt.sentLastEventId = true;
        attempt.lastEventIdSent = lastId;
    }
    m_log.attempts.push_back(attempt);

    m_reader = HttpResponseReader();
    m_headSeen = false;
    m_tail.clear();
    m_socketError.clear();
    setState(State::Connecting);

    auto *socket = new QTcpSocket(this);
    m_socket = socket;
    if (m_config.behaviour == Behaviour::ReadsSlowly) {
        // Qt stops taking bytes from the kernel once this much waits unread, so the kernel's
        // buffers fill up and the server has to hold the rest: a genuinely slow reader.
        socket->setReadBufferSize(
            std::max<qint64>(1, m_config.readBytesPerSecond * SlowReadTickMs / 1000));
        m_slowReadTimer.start();
    }
    connect(socket, &QTcpSocket::connected, this, [this, socket] {
        m_watchFd = ::fcntl(int(socket->socketDescriptor()), F_DUPFD_CLOEXEC, 0);
        sendRequest();
    });
    connect(socket, &QTcpSocket::readyRead, this, [this] {
        if (m_config.behaviour != Behaviour::ReadsSlowly)
            readAvailable(-1);
    });
    connect(socket, &QTcpSocket::errorOccurred, this, [this, socket] {
        if (socket != m_socket)
            return;
        m_socketError = socket->error() == QAbstractSocket::RemoteHostClosedError
            ? (wasReset(m_watchFd) ? QStringLiteral("connection reset by the server")
                                   : QStringLiteral("connection closed by the server"))
            : socket->errorString();
    });
    connect(socket, &QTcpSocket::stateChanged, this,
            [this, socket](QAbstractSocket::SocketState s) {
                if (socket == m_socket && s == QAbstractSocket::UnconnectedState)
                    onSocketGone();
            });
    qCDebug(lcScenario) << m_config.name << "attempt" << attempt.index << "to"
                        << m_config.url.toString() << "Last-Event-ID" << attempt.lastEventIdSent;
    socket->connectToHost(m_config.url.host(), quint16(m_config.url.port(80)));
}

void VirtualClient::sendRequest()
{
    const ClientLog::Attempt &attempt = m_log.attempts.back();
    QByteArray target = m_config.url.path(QUrl::FullyEncoded).toUtf8();
    if (target.isEmpty())
        target = "/";
    if (m_config.url.hasQuery())
        target += '?' + m_config.url.query(QUrl::FullyEncoded).toUtf8();
    QByteArray request = "GET " + target + " HTTP/1.1\r\nHost: " + m_config.url.host().toUtf8()
        + ':' + QByteArray::number(m_config.url.port(80))
        + "\r\nAccept: text/event-stream\r\nCache-Control: no-cache\r\n";
    if (attempt.sentLastEventId)
        request += "Last-Event-ID: " + attempt.lastEventIdSent + "\r\n";
    request += "User-Agent: herald-virtual-client/" HERALD_VERSION " ("
        + behaviourName(m_config.behaviour).toUtf8() + "; " + m_config.name.toUtf8() + ")\r\n\r\n";
    m_socket->write(request);
}

void VirtualClient::readAvailable(qint64 max)
{
    if (!m_socket)
        return;
    const QByteArray bytes = max < 0 ? m_socket->readAll() : m_socket->read(max);
    if (!bytes.isEmpty())
        process(bytes);
}

void VirtualClient::process(const QByteArray &bytes)
{
    const QByteArray body = m_reader.feed(bytes);
    if (m_reader.state() == HttpResponseReader::State::Error) {
        // A malformed response is a network error to Fetch: reestablish, do not fail.
        endConnection(QStringLiteral("bad HTTP response: ") + m_reader.error());
        return;
    }
    if (!m_headSeen && m_reader.headComplete()) {
        m_headSeen = true;
        onHead();
        if (m_state != State::Open)
            return;
    }
    if (!body.isEmpty() && m_state == State::Open) {
        m_tail = (m_tail + body).right(4);
        m_parser.feed(body);
        const int connection = m_log.attempts.back().index;
        for (SseEvent &event : m_parser.takeEvents()) {
            ClientLog::Event record;
            record.id = event.lastEventId;
            record.type = std::move(event.type);
            record.data = std::move(event.data);
            record.receivedAtMs = nowMs();
            record.connection = connection;
            // The scenario publisher's convention: {"seq":N,"t":ms since the epoch,...}.
            if (record.data.startsWith("{\"seq\":")) {
                const QJsonObject object = QJsonDocument::fromJson(record.data).object();
                record.seq = qint64(object.value(QLatin1String("seq")).toDouble(-1));
                record.publishedAtMs = qint64(object.value(QLatin1String("t")).toDouble(-1));
            }
            m_log.events.push_back(std::move(record));
            Q_EMIT eventReceived();
        }
        m_parser.takeComments(); // heartbeats: nothing to record
    }
    if (m_state == State::Open && m_reader.bodyComplete())
        endConnection(QStringLiteral("response body ended"));
}

void VirtualClient::onHead()
{
    ClientLog::Attempt &attempt = m_log.attempts.back();
    attempt.status = m_reader.status();
    attempt.contentType = m_reader.header("content-type");
    attempt.replay = m_reader.header("herald-replay");
    attempt.serverClientId = m_reader.header("herald-client-id");

    // 9.2.3: "if res's status is not 200, or if res's `Content-Type` is not
    // `text/event-stream`, then fail the connection."
    QString problem;
    if (attempt.status != 200)
        problem = QStringLiteral("HTTP status %1").arg(attempt.status);
    else if (essence(attempt.contentType) != "text/event-stream")
        problem
            = QStringLiteral("Content-Type %1 is not text/event-stream")
                  .arg(QString::fromLatin1(attempt.contentType.isEmpty() ? QByteArray("(none)")
                                                                         : attempt.contentType));
    if (!problem.isEmpty()) {
        attempt.error = problem;
        if (m_config.behaviour == Behaviour::ReconnectsImmediately) {
            endConnection(problem); // this client takes a refusal as one more reason to retry
            return;
        }
        failConnection(problem);
        return;
    }

    attempt.opened = true;
    attempt.openedAtMs = nowMs();
    setState(State::Open);
    qCDebug(lcScenario) << m_config.name << "open, server client" << attempt.serverClientId
                        << "replay" << attempt.replay;
    Q_EMIT opened();
}

void VirtualClient::onSocketGone()
{
    if (m_state != State::Connecting && m_state != State::Open)
        return;
    // Bytes that arrived with the close are still part of the stream.
    if (m_socket && m_socket->bytesAvailable() > 0)
        process(m_socket->readAll());
    if (m_state != State::Connecting && m_state != State::Open)
        return;
    QString reason = m_socketError;
    if (reason.isEmpty())
        reason = QStringLiteral("connection closed");
    if (m_state == State::Connecting && !m_headSeen)
        m_log.attempts.back().error = reason;
    endConnection(reason);
}

bool VirtualClient::bodyEndsCleanly() const
{
    // An event is complete with a blank line: one line terminator right after another.
    QByteArray tail = m_tail;
    if (tail.isEmpty())
        return true;
    if (tail.endsWith("\r\n"))
        tail.chop(2);
    else if (tail.endsWith('\n') || tail.endsWith('\r'))
        tail.chop(1);
    else
        return false;
    return tail.isEmpty() || tail.endsWith('\n') || tail.endsWith('\r');
}

int VirtualClient::plannedDelayMs() const
{
    switch (m_config.behaviour) {
    case Behaviour::IgnoresRetry:
        return m_config.ownDelayMs;
    case Behaviour::ReconnectsImmediately:
        return 0;
    default:
        return reconnectionTimeMs();
    }
}

void VirtualClient::endConnection(const QString &reason)
{
    const bool wasOpen = m_state == State::Open;
    ClientLog::Disconnect record;
    record.atMs = nowMs();
    record.connection = m_log.attempts.back().index;
    record.reason = reason;
    record.wasOpen = wasOpen;
    record.endedInsideEvent = wasOpen && !bodyEndsCleanly();
    if (wasOpen)
        m_parser.endOfStream(); // drops an unfinished event; keeps last event ID and retry
    record.lastEventId = m_parser.lastEventId();
    record.retryMs = reconnectionTimeMs();
    record.plannedDelayMs = plannedDelayMs();
    if (record.endedInsideEvent)
        record.reason += QStringLiteral(", inside an event (the partial event was dropped)");
    m_log.disconnects.push_back(record);
    dropSocket();

    // 9.2.3 "reestablish the connection": wait the reconnection time, then fetch again.
    setState(State::Waiting);
    qCDebug(lcScenario) << m_config.name << "disconnected:" << reason << "; reconnecting in"
                        << record.plannedDelayMs << "ms";
    m_reconnectTimer.start(record.plannedDelayMs);
    Q_EMIT disconnected();
}

void VirtualClient::failConnection(const QString &reason)
{
    dropSocket();
    m_reconnectTimer.stop();
    m_log.failed = true;
    m_log.failedAtMs = nowMs();
    m_log.failReason = reason;
    setState(State::Failed);
    qCDebug(lcScenario) << m_config.name << "failed for good:" << reason;
    Q_EMIT failed(reason);
}

void VirtualClient::dropSocket()
{
    m_slowReadTimer.stop();
    if (m_watchFd >= 0) {
        ::close(m_watchFd);
        m_watchFd = -1;
    }
    if (!m_socket)
        return;
    QTcpSocket *socket = m_socket;
    m_socket = nullptr;
    socket->disconnect(this);
    socket->abort();
    socket->deleteLater();
}

} // namespace Herald
