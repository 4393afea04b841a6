#include "http/httpapi.h"

#include "broadcast/broadcaster.h"
#include "faults/faultinjector.h"
#include "http/listener.h"
#include "http/publishdecoder.h"
#include "http/streamrequest.h"
#include "logging.h"
#include "protocol/frameencoder.h"

#include <QDateTime>
#include <QFile>
#include <QJsonArray>
#include <QTcpSocket>

#include <fcntl.h>
#include <unistd.h>

namespace Herald {

using Method = QHttpServerRequest::Method;

QByteArray headerValue(const QHttpServerRequest &request, const QByteArray &name, bool *present)
{
    for (const auto &[key, value] : request.headers()) {
        if (key.compare(name, Qt::CaseInsensitive) == 0) {
            if (present)
                *present = true;
            return value;
        }
    }
    if (present)
        *present = false;
    return {};
}

namespace {

QByteArray methodName(Method method)
{
    switch (method) {
    case Method::Get:
        return "GET";
    case Method::Head:
        return "HEAD";
    case Method::Post:
        return "POST";
    case Method::Put:
        return "PUT";
    case Method::Delete:
        return "DELETE";
    case Method::Options:
        return "OPTIONS";
    case Method::Patch:
        return "PATCH";
    default:
        return "OTHER";
    }
}

QByteArray remoteOf(QTcpSocket *socket)
{
    QHostAddress address = socket->peerAddress();
    bool isV4 = false;
    const quint32 v4 = address.toIPv4Address(&isV4);
    if (isV4)
        address = QHostAddress(v4);
    const QByteArray host = address.toString().toUtf8();
    const QByteArray hostPart
        = address.protocol() == QAbstractSocket::IPv6Protocol ? '[' + host + ']' : host;
    return hostPart + ':' + QByteArray::number(socket->peerPort());
}

// Prometheus text exposition: one metric, its help and type, and one sample.
void addMetric(QByteArray &out, const char *name, const char *type, const char *help, quint64 value)
{
    out += QByteArray("# HELP ") + name + ' ' + help + "\n# TYPE " + name + ' ' + type + '\n';
    out += QByteArray(name) + ' ' + QByteArray::number(value) + '\n';
}

} // namespace

HttpApi::HttpApi(Broadcaster *broadcaster, FaultInjector *faults, HttpConfig config,
                 QObject *parent)
    : QAbstractHttpServer(parent)
    , m_broadcaster(broadcaster)
    , m_faults(faults)
    , m_config(std::move(config))
{
    // Streams per address, for maxClientsPerAddress: counted down as streams end.
    connect(m_broadcaster, &Broadcaster::clientDisconnected, this, [this](quint64 clientId) {
        const QString address = m_addressOf.take(clientId);
        auto it = m_streamsPerAddress.find(address);
        if (it != m_streamsPerAddress.end() && --it.value() <= 0)
            m_streamsPerAddress.erase(it);
    });
}

bool HttpApi::listen(const QHostAddress &address, quint16 port, QString *error)
{
    ConnectionLimits limits = m_config.limits;
    limits.allowOrigin = m_config.allowOrigin;
    auto *listener = new Listener(limits, this);
    if (!listener->listen(address, port)) {
        *error = QStringLiteral("cannot listen on %1:%2: %3")
                     .arg(address.toString())
                     .arg(port)
                     .arg(listener->errorString());
        delete listener;
        return false;
    }
    bind(listener);
    m_listener = listener;
    m_address = address;
    m_port = listener->serverPort();
    m_startedMs = QDateTime::currentMSecsSinceEpoch();
    qCInfo(lcHttp) << "listening on" << address.toString() << "port" << m_port;
    return true;
}

void HttpApi::stopListening()
{
    if (m_listener)
        m_listener->close();
}

HttpApi::Route HttpApi::route(const QString &path, quint64 *clientId) const
{
    if (path == QLatin1String("/") || path == QLatin1String("/index.html"))
        return Route::Root;
    if (path == QLatin1String("/events"))
        return Route::Events;
    if (path == QLatin1String("/publish"))
        return Route::Publish;
    if (path == QLatin1String("/clients"))
        return Route::Clients;
    if (path == QLatin1String("/metrics"))
        return Route::Metrics;
    if (path == QLatin1String("/healthz"))
        return Route::Health;
    if (path == QLatin1String("/nodes"))
        return Route::Nodes;
    if (path == QLatin1String("/faults"))
        return Route::Faults;
    if (path.startsWith(QLatin1String("/clients/"))) {
        bool ok = false;
        *clientId = path.mid(9).toULongLong(&ok);
        return ok ? Route::Client : Route::None;
    }
    return Route::None;
}

QList<Method> HttpApi::allowed(Route route)
{
    switch (route) {
    case Route::Publish:
        return {Method::Post, Method::Options};
    case Route::Client:
        return {Method::Get, Method::Head, Method::Delete, Method::Options};
    case Route::Faults:
        return {Method::Get, Method::Head, Method::Post, Method::Options};
    case Route::None:
        return {};
    default:
        return {Method::Get, Method::Head, Method::Options};
    }
}

HeaderList HttpApi::corsHeaders() const
{
    if (m_config.allowOrigin.isEmpty())
        return {};
    return {{"Access-Control-Allow-Origin", m_config.allowOrigin},
            {"Access-Control-Expose-Headers", "Herald-Replay, Herald-Client-Id"}};
}

void HttpApi::reply(const QHttpServerRequest &request, QTcpSocket *socket, int status,
                    const QByteArray &body, const QByteArray &contentType, HeaderList extra)
{
    HeaderList headers = corsHeaders();
    if (!contentType.isEmpty())
        headers.emplaceBack("Content-Type", contentType);
    headers.append(extra);
    const bool close = shouldClose(request, socket);
    ++m_responses[status];
    HttpReply::write(socket, status, headers, body, request.method() == Method::Head, close);
}

void HttpApi::replyJson(const QHttpServerRequest &request, QTcpSocket *socket, int status,
                        const QJsonDocument &document, HeaderList extra)
{
    reply(request, socket, status, document.toJson(QJsonDocument::Compact), "application/json",
          std::move(extra));
}

void HttpApi::replyError(const QHttpServerRequest &request, QTcpSocket *socket, int status,
                         const QString &message, HeaderList extra)
{
    qCDebug(lcHttp) << methodName(request.method()) << request.url().path() << status << message;
    reply(request, socket, status, HttpReply::errorBody(message), "application/json",
          std::move(extra));
}

bool HttpApi::shouldClose(const QHttpServerRequest &request, QTcpSocket *socket)
{
    if (headerValue(request, "connection").toLower() == "close")
        return true;
    const ConnectionGuard *guard = ConnectionGuard::of(socket);
    return guard && guard->isExhausted();
}

bool HttpApi::admit(const QHttpServerRequest &request, QTcpSocket *socket)
{
    if (!authorized(request)) {
        replyError(request, socket, 401, QStringLiteral("missing or wrong bearer token"),
                   {{"WWW-Authenticate", "Bearer"}});
        return false;
    }
    if (m_config.publishToken.isEmpty() && m_config.loopbackOnlyAdmin
        && !socket->peerAddress().isLoopback()) {
        replyError(request, socket, 403,
                   QStringLiteral("publish and admin calls from other machines need Herald to run "
                                  "with --publish-token"));
        return false;
    }
    return true;
}

bool HttpApi::authorized(const QHttpServerRequest &request) const
{
    if (m_config.publishToken.isEmpty())
        return true;
    const QByteArray &expected = m_config.publishToken;
    const QByteArray header = headerValue(request, "authorization").trimmed();
    // The scheme's name is case-insensitive (RFC 9110, 11.1); the token itself is not.
    const qsizetype space = header.indexOf(' ');
    if (space < 0 || header.left(space).toLower() != "bearer")
        return false;
    const QByteArray given = header.mid(space + 1).trimmed();
    // Compare in time independent of where the first difference is.
    if (given.size() != expected.size())
        return false;
    unsigned char diff = 0;
    for (qsizetype i = 0; i < given.size(); ++i)
        diff |= static_cast<unsigned char>(given[i] ^ expected[i]);
    return diff == 0;
}

void HttpApi::missingHandler(const QHttpServerRequest &request, QTcpSocket *socket)
{
    replyError(request, socket, 404, QStringLiteral("no such path"));
}

bool HttpApi::handleRequest(const QHttpServerRequest &request, QTcpSocket *socket)
{
    if (ConnectionGuard *guard = ConnectionGuard::of(socket))
        guard->requestDone();

    const QString path = request.url().path();
    quint64 clientId = 0;
    const Route target = route(path, &clientId);
    if (target == Route::None) {
        replyError(request, socket, 404, QStringLiteral("no such path: %1").arg(path.left(200)));
        return true;
    }

    const QList<Method> methods = allowed(target);
    QByteArray allow;
    for (Method method : methods)
        allow += (allow.isEmpty() ? "" : ", ") + methodName(method);

    const Method method = request.method();
    if (method == Method::Options) {
        // CORS preflight (Fetch standard): what may be sent to this path from a page.
        HeaderList headers = {{"Allow", allow},
                              {"Access-Control-Allow-Methods", allow},
                              {"Access-Control-Allow-Headers",
                               "Content-Type, Authorization, Last-Event-ID, Cache-Control"},
                              {"Access-Control-Max-Age", "600"}};
        reply(request, socket, 204, {}, {}, headers);
        return true;
    }
    if (!methods.contains(method)) {
        replyError(
            request, socket, 405,
            methodName(method) == "OTHER"
                ? QStringLiteral("this method is not allowed here; use %1")
                      .arg(QString::fromLatin1(allow))
                : QStringLiteral("%1 is not allowed here; use %2")
                      .arg(QString::fromLatin1(methodName(method)), QString::fromLatin1(allow)),
            {{"Allow", allow}});
        return true;
    }

    switch (target) {
    case Route::Events:
        openStream(request, socket);
        break;
    case Route::Publish:
        publish(request, socket);
        break;
    case Route::Clients: {
        QJsonArray list;
        for (const SessionPtr &session : m_broadcaster->sessions())
            list.append(clientJson(*session));
        replyJson(request, socket, 200, QJsonDocument(list));
        break;
    }
    case Route::Client: {
        if (method == Method::Delete) {
            kick(request, socket, clientId);
            break;
        }
        const SessionPtr session = m_broadcaster->session(clientId);
        if (!session)
            replyError(request, socket, 404, QStringLiteral("no client %1").arg(clientId));
        else
            replyJson(request, socket, 200, QJsonDocument(clientJson(*session)));
        break;
    }
    case Route::Metrics:
        reply(request, socket, 200, metricsText(), "text/plain; version=0.0.4; charset=utf-8");
        break;
    case Route::Health:
        replyJson(request, socket, 200, QJsonDocument(health()));
        break;
    case Route::Nodes:
        replyJson(request, socket, 200, QJsonDocument(nodes ? nodes() : QJsonArray()));
        break;
    case Route::Faults:
        if (method == Method::Post)
            applyFault(request, socket);
        else
            replyJson(request, socket, 200, QJsonDocument(m_faults->log()));
        break;
    case Route::Root: {
        QFile page(QStringLiteral(":/herald/web/demo.html"));
        if (!page.open(QIODevice::ReadOnly)) {
            replyError(request, socket, 500, QStringLiteral("demo page missing from this build"));
            break;
        }
        reply(request, socket, 200, page.readAll(), "text/html; charset=utf-8");
        break;
    }
    case Route::None:
        break;
    }
    return true;
}

void HttpApi::openStream(const QHttpServerRequest &request, QTcpSocket *socket)
{
    bool hasHeader = false;
    const QByteArray header = headerValue(request, "last-event-id", &hasHeader);
    const StreamRequest stream
        = StreamRequest::parse(request.query(), hasHeader ? &header : nullptr);
    if (!stream.error.isEmpty()) {
        replyError(request, socket, 400, stream.error);
        return;
    }

    HeaderList headers = corsHeaders();
    headers.emplaceBack("Content-Type", "text/event-stream");
    headers.emplaceBack("Cache-Control", "no-cache");
    // Tells nginx-style proxies to pass each frame on at once instead of buffering the body.
    headers.emplaceBack("X-Accel-Buffering", "no");

    if (request.method() == Method::Head) {
        // The head a GET would get, without a stream behind it.
        const bool close = shouldClose(request, socket);
        if (close)
            headers.emplaceBack("Connection", "close");
        ++m_responses[200];
        socket->write(HttpReply::head(200, headers));
        if (close)
            socket->disconnectFromHost();
        return;
    }

    if (refuse(request, socket))
        return;

    const QString address = socket->peerAddress().toString();
    if (m_config.maxClientsPerAddress > 0
        && m_streamsPerAddress.value(address) >= m_config.maxClientsPerAddress) {
        replyError(request, socket, 429,
                   QStringLiteral("%1 streams from this address already (the limit)")
                       .arg(m_config.maxClientsPerAddress),
                   {{"Retry-After", "5"}});
        return;
    }

    if (m_config.maxClients > 0 && m_broadcaster->clientCount() >= m_config.maxClients) {
        replyError(
            request, socket, 503,
            QStringLiteral("client limit of %1 reached; try again later").arg(m_config.maxClients),
            {{"Retry-After", "5"}});
        return;
    }

    History::Replay replay;
    if (stream.hasLastEventId) {
        if (stream.lastEventId) {
            QSet<QString> topics(stream.topics.cbegin(), stream.topics.cend());
            replay = m_broadcaster->history().since(*stream.lastEventId, topics);
        } else {
            replay.outcome = History::Outcome::Gap; // not an id of ours: start live
        }
        headers.emplaceBack("Herald-Replay",
                            replay.outcome == History::Outcome::Full ? "full" : "gap");
        m_broadcaster->noteReplay(replay.outcome, qsizetype(replay.events.size()));
    }

    const quint64 clientId = m_broadcaster->nextClientId();
    headers.emplaceBack("Herald-Client-Id", QByteArray::number(clientId));
    // The body runs until the connection closes (RFC 9112, 6.3), so no length and no chunking:
    // each frame goes out byte for byte as encoded.
    headers.emplaceBack("Connection", "close");

    // Take the socket over: stop Qt's HTTP server from reading it (it would answer whatever the
    // client sends next inside our stream) and keep only a duplicate of its descriptor. Closing
    // Qt's copy then leaves the connection open for the worker.
    socket->flush();
    // Close-on-exec, so that a child process started later does not keep the stream open.
    const int fd = ::fcntl(int(socket->socketDescriptor()), F_DUPFD_CLOEXEC, 0);
    if (fd < 0) {
        replyError(request, socket, 503, QStringLiteral("out of file descriptors"),
                   {{"Retry-After", "5"}});
        return;
    }
    delete ConnectionGuard::of(socket);
    QObject::disconnect(socket, &QTcpSocket::readyRead, nullptr, nullptr);

    ClientInfo info;
    info.id = clientId;
    info.remote = QString::fromUtf8(remoteOf(socket));
    info.userAgent = QString::fromUtf8(headerValue(request, "user-agent").left(512));
    info.origin = QString::fromUtf8(headerValue(request, "origin").left(512));
    info.topics = stream.topics;
    info.connectedAt = QDateTime::currentDateTimeUtc();
    info.lastEventId = stream.rawLastEventId.left(64);
    socket->abort();

    std::vector<Chunk> initial;
    initial.reserve(replay.events.size() + 2);
    initial.push_back({HttpReply::head(200, headers), 0});
    // retry and a comment go out at once, before any event exists, so that proxies and clients
    // see a live stream straight away.
    initial.push_back({"retry: " + QByteArray::number(m_broadcaster->config().retryMs)
                           + "\n: herald stream " + QByteArray::number(clientId) + "\n\n",
                       0});
    for (const EventPtr &event : replay.events)
        initial.push_back({event->frame, event->id});

    // What the client has already must not reach it again live. That matters on a relayed node
    // that is behind the deployment: a client resuming from an id this node has not received
    // yet, or one that starts fresh while this node is still catching up on older events. Only
    // ids known to exist count, so a made-up id far ahead cannot silence the stream. (The
    // worker raises the floor to the last replayed event itself.)
    qint64 floorId = m_broadcaster->knownNewestId();
    if (stream.lastEventId)
        floorId = std::min(floorId, *stream.lastEventId);

    if (!m_broadcaster->attach(std::move(info), fd, std::move(initial), floorId))
        return; // the broadcaster is stopping; it closed the connection
    ++m_responses[200];
    ++m_streamsPerAddress[address];
    m_addressOf.insert(clientId, address);
}

void HttpApi::publish(const QHttpServerRequest &request, QTcpSocket *socket)
{
    if (!admit(request, socket))
        return;
    const QByteArray body = request.body();
    if (body.size() > m_config.limits.maxBodyBytes) {
        replyError(
            request, socket, 413,
            QStringLiteral("request body larger than %1 bytes").arg(m_config.limits.maxBodyBytes));
        return;
    }

    PublishDecoder::Result decoded
        = PublishDecoder::decode(headerValue(request, "content-type"), body);
    if (!decoded.ok()) {
        replyError(request, socket, decoded.status, decoded.error);
        return;
    }

    // The answer may come later (the relay asks Redis for ids); the socket may be gone by then.
    QPointer<QTcpSocket> guarded(socket);
    const bool batch = decoded.batch;
    const bool close = shouldClose(request, socket);
    m_broadcaster->submit(
        std::move(decoded.drafts),
        [this, guarded, batch, close](std::vector<EventPtr> events, QString error) {
            if (!guarded)
                return;
            HeaderList headers = corsHeaders();
            headers.emplaceBack("Content-Type", "application/json");
            if (!error.isEmpty()) {
                ++m_responses[503];
                HttpReply::write(guarded, 503, headers, HttpReply::errorBody(error), false, close);
                return;
            }
            QJsonObject answer;
            if (batch) {
                QJsonArray ids;
                for (const EventPtr &event : events)
                    ids.append(QString::number(event->id));
                answer.insert(QStringLiteral("ids"), ids);
            } else {
                answer.insert(QStringLiteral("id"), QString::number(events.front()->id));
            }
            ++m_responses[202];
            HttpReply::write(guarded, 202, headers,
                             QJsonDocument(answer).toJson(QJsonDocument::Compact), false, close);
        });
}

void HttpApi::kick(const QHttpServerRequest &request, QTcpSocket *socket, quint64 clientId)
{
    if (!admit(request, socket))
        return;
    const QString mode = request.query().queryItemValue(QStringLiteral("mode"));
    if (!mode.isEmpty() && mode != QLatin1String("close") && mode != QLatin1String("reset")) {
        replyError(request, socket, 400, QStringLiteral("mode must be close or reset"));
        return;
    }
    const CloseMode closeMode
        = mode == QLatin1String("reset") ? CloseMode::Reset : CloseMode::Flush;
    if (!m_broadcaster->close(clientId, closeMode, QStringLiteral("kicked through the API"))) {
        replyError(request, socket, 404, QStringLiteral("no client %1").arg(clientId));
        return;
    }
    replyJson(
        request, socket, 200,
        QJsonDocument(QJsonObject{
            {QStringLiteral("kicked"), QString::number(clientId)},
            {QStringLiteral("mode"),
             closeMode == CloseMode::Reset ? QStringLiteral("reset") : QStringLiteral("close")}}));
}

bool HttpApi::refuse(const QHttpServerRequest &request, QTcpSocket *socket)
{
    const auto refusal = m_faults->takeRefusal();
    if (!refusal)
        return false;
    qCInfo(lcFaults) << "refusing a stream request with" << refusal->status;
    if (refusal->status == 204) {
        // No Content tells an EventSource to stop reconnecting for good (HTML, 9.2.3).
        reply(request, socket, 204, {}, {});
    } else if (refusal->status == 503) {
        replyError(request, socket, 503, QStringLiteral("refused by a fault"),
                   {{"Retry-After", QByteArray::number(refusal->retryAfterSeconds)}});
    } else {
        replyError(request, socket, refusal->status, QStringLiteral("refused by a fault"));
    }
    return true;
}

void HttpApi::applyFault(const QHttpServerRequest &request, QTcpSocket *socket)
{
    if (!admit(request, socket))
        return;
    const QByteArray mediaType
        = headerValue(request, "content-type").split(';').constFirst().trimmed();
    if (mediaType.toLower() != "application/json") {
        replyError(request, socket, 415, QStringLiteral("send the fault as application/json"));
        return;
    }
    QJsonParseError parseError;
    const QJsonDocument document = QJsonDocument::fromJson(request.body(), &parseError);
    if (parseError.error != QJsonParseError::NoError) {
        replyError(request, socket, 400,
                   QStringLiteral("malformed JSON at offset %1: %2")
                       .arg(parseError.offset)
                       .arg(parseError.errorString()));
        return;
    }
    if (!document.isObject()) {
        replyError(request, socket, 400, QStringLiteral("body must be a JSON object"));
        return;
    }
    QString error;
    const std::optional<Fault> fault = Fault::fromJson(document.object(), &error);
    if (!fault) {
        replyError(request, socket, 400, error);
        return;
    }
    const FaultInjector::Result result = m_faults->apply(*fault);
    if (!result.error.isEmpty()) {
        replyError(request, socket, fault->isClientFault() ? 404 : 409, result.error);
        return;
    }
    replyJson(request, socket, 200, QJsonDocument(result.record));
}

QJsonObject HttpApi::clientJson(const ClientSession &session)
{
    const ClientInfo &info = session.info();
    QJsonObject object;
    object.insert(QStringLiteral("id"), QString::number(info.id));
    object.insert(QStringLiteral("remote"), info.remote);
    object.insert(QStringLiteral("userAgent"), info.userAgent);
    object.insert(QStringLiteral("origin"), info.origin);
    object.insert(QStringLiteral("topics"), QJsonArray::fromStringList(info.topics));
    object.insert(QStringLiteral("connectedAt"), info.connectedAt.toString(Qt::ISODateWithMs));
    object.insert(QStringLiteral("lastEventId"),
                  info.lastEventId.isNull() ? QJsonValue()
                                            : QJsonValue(QString::fromUtf8(info.lastEventId)));
    object.insert(QStringLiteral("lastSentId"), QString::number(session.lastSentId()));
    object.insert(QStringLiteral("eventsSent"), double(session.eventsSent()));
    object.insert(QStringLiteral("bytesSent"), double(session.bytesSent()));
    object.insert(QStringLiteral("queuedBytes"), double(session.queuedBytes()));
    object.insert(QStringLiteral("node"), info.node);
    const char *state = session.state() == ClientSession::State::Streaming ? "streaming"
        : session.state() == ClientSession::State::Closing                 ? "closing"
                                                                           : "closed";
    object.insert(QStringLiteral("state"), QLatin1String(state));
    return object;
}

QByteArray HttpApi::metricsText() const
{
    const BroadcastMetrics m = m_broadcaster->metrics();
    QByteArray out;
    addMetric(out, "herald_clients", "gauge", "Connected stream clients.", quint64(m.clients));
    addMetric(out, "herald_clients_total", "counter", "Stream clients accepted since start.",
              m.clientsTotal);
    addMetric(out, "herald_events_published_total", "counter", "Events published.",
              m.eventsPublished);
    addMetric(out, "herald_deliveries_total", "counter",
              "Events written in full to a client socket.", m.deliveries);
    addMetric(out, "herald_bytes_sent_total", "counter", "Bytes written to stream clients.",
              m.bytesSent);
    addMetric(out, "herald_drops_total", "counter",
              "Clients disconnected for falling too far behind.", m.drops);
    addMetric(out, "herald_heartbeats_total", "counter", "Heartbeat comments sent.", m.heartbeats);
    out += "# HELP herald_replays_total Resumes with Last-Event-ID, by outcome.\n"
           "# TYPE herald_replays_total counter\n";
    out += "herald_replays_total{outcome=\"full\"} " + QByteArray::number(m.replaysFull) + '\n';
    out += "herald_replays_total{outcome=\"gap\"} " + QByteArray::number(m.replaysGap) + '\n';
    addMetric(out, "herald_replayed_events_total", "counter", "Events sent from the history.",
              m.replayedEvents);
    addMetric(out, "herald_last_event_id", "gauge", "Newest event id.", quint64(m.lastEventId));
    addMetric(out, "herald_history_events", "gauge", "Events kept for replay.",
              quint64(m.historySize));
    out += "# HELP herald_http_responses_total HTTP responses by status.\n"
           "# TYPE herald_http_responses_total counter\n";
    for (auto it = m_responses.cbegin(); it != m_responses.cend(); ++it)
        out += "herald_http_responses_total{code=\"" + QByteArray::number(it.key()) + "\"} "
            + QByteArray::number(it.value()) + '\n';
    if (extraMetrics)
        out += extraMetrics();
    return out;
}

QJsonObject HttpApi::health() const
{
    const BroadcastMetrics m = m_broadcaster->metrics();
    QJsonObject object;
    object.insert(QStringLiteral("status"), QStringLiteral("ok"));
    object.insert(QStringLiteral("version"), QStringLiteral(HERALD_VERSION));
    object.insert(QStringLiteral("node"), m_broadcaster->config().nodeId);
    object.insert(QStringLiteral("uptimeSeconds"),
                  double(QDateTime::currentMSecsSinceEpoch() - m_startedMs) / 1000.0);
    object.insert(QStringLiteral("clients"), m.clients);
    object.insert(QStringLiteral("lastEventId"), QString::number(m.lastEventId));
    object.insert(QStringLiteral("relay"),
                  relayStatus ? relayStatus()
                              : QJsonObject{{QStringLiteral("state"), QStringLiteral("disabled")}});
    return object;
}

} // namespace Herald
