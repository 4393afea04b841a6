#include "commandline.h"

#include <QCommandLineParser>
#include <QFile>
#include <QStandardPaths>

#include <cmath>
#include <limits>

namespace Herald {

namespace {

// Reads a whole number option within [min, max]; on failure sets error and returns false.
template<typename T>
bool readNumber(const QCommandLineParser &parser, const QString &name, T min, T max, T *out,
                QString *error)
{
    if (!parser.isSet(name))
        return true;
    const QString text = parser.value(name);
    bool ok = false;
    const qlonglong value = text.toLongLong(&ok);
    if (!ok || value < qlonglong(min) || value > qlonglong(max)) {
        *error = QStringLiteral("--%1: expected a whole number from %2 to %3, got \"%4\"")
                     .arg(name)
                     .arg(qlonglong(min))
                     .arg(qlonglong(max))
                     .arg(text);
        return false;
    }
    *out = T(value);
    return true;
}

} // namespace

CommandLine CommandLine::parse(const QStringList &arguments)
{
    CommandLine result;
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "Herald: a Server-Sent Events broadcaster and its monitoring and test console.\n"
        "Without --headless it opens the console window; with it, it serves until stopped."));
    parser.setSingleDashWordOptionMode(QCommandLineParser::ParseAsLongOptions);

    const QList<QCommandLineOption> options = {
        {QStringLiteral("headless"), QStringLiteral("Serve without a window.")},
        {QStringLiteral("port"),
         QStringLiteral("TCP port to listen on (0 picks a free one). Default 8080."),
         QStringLiteral("P")},
        {QStringLiteral("bind"), QStringLiteral("Address to listen on. Default 127.0.0.1."),
         QStringLiteral("ADDR")},
        {QStringLiteral("history"),
         QStringLiteral("Events kept for Last-Event-ID replay. Default 1000."),
         QStringLiteral("N")},
        {QStringLiteral("heartbeat"),
         QStringLiteral("Seconds between heartbeat comments on idle streams. Default 15."),
         QStringLiteral("S")},
        {QStringLiteral("retry"),
         QStringLiteral("Reconnect delay sent to clients, in milliseconds. Default 3000."),
         QStringLiteral("MS")},
        {QStringLiteral("publish-token"),
         QStringLiteral("Require \"Authorization: Bearer T\" to publish and kick."),
         QStringLiteral("T")},
        {QStringLiteral("publish-token-file"),
         QStringLiteral("Read the publish token from the first line of a file."),
         QStringLiteral("FILE")},
        {QStringLiteral("max-clients"),
         QStringLiteral("Most stream clients at once (0: no limit)."), QStringLiteral("N")},
        {QStringLiteral("max-clients-per-address"),
         QStringLiteral("Most stream clients from one remote address (0: no limit)."),
         QStringLiteral("N")},
        {QStringLiteral("max-header"),
         QStringLiteral("Largest request line and headers in bytes. Default 65536."),
         QStringLiteral("BYTES")},
        {QStringLiteral("request-timeout"),
         QStringLiteral("Seconds a client may take to send a whole request. Default 10."),
         QStringLiteral("S")},
        {QStringLiteral("idle-timeout"),
         QStringLiteral("Seconds an idle kept-alive connection stays open. Default 60."),
         QStringLiteral("S")},
        {QStringLiteral("max-requests-per-connection"),
         QStringLiteral("Requests served on one kept-alive connection. Default 1000."),
         QStringLiteral("N")},
        {QStringLiteral("max-body"),
         QStringLiteral("Largest request body in bytes. Default 1048576."),
         QStringLiteral("BYTES")},
        {QStringLiteral("max-queue"),
         QStringLiteral("Unsent bytes a client may fall behind before it is disconnected. "
                        "Default 1048576."),
         QStringLiteral("BYTES")},
        {QStringLiteral("allow-origin"),
         QStringLiteral("Access-Control-Allow-Origin value. Default * when bound to loopback, "
                        "none otherwise."),
         QStringLiteral("ORIGIN")},
        {QStringLiteral("workers"),
         QStringLiteral("Delivery threads (0: one per core). Default 0."), QStringLiteral("N")},
        {QStringLiteral("clients-per-worker"),
         QStringLiteral("Stream clients a delivery thread takes before the next one is used "
                        "(0: spread them evenly from the first). Default 5000."),
         QStringLiteral("N")},
        {QStringLiteral("redis"),
         QStringLiteral(
             "Relay through Redis with the other nodes: redis://[:PASSWORD@]HOST:PORT[/DB]."),
         QStringLiteral("URL")},
        {QStringLiteral("redis-password-file"),
         QStringLiteral("Read the Redis password from the first line of a file."),
         QStringLiteral("FILE")},
        {QStringLiteral("node-id"), QStringLiteral("This node's name. Default host name and port."),
         QStringLiteral("NAME")},
        {QStringLiteral("state-dir"),
         QStringLiteral("Where a node on a fixed port remembers how far its event ids went, so "
                        "they continue after a restart. Default: the user's data folder."),
         QStringLiteral("DIR")},
    };
    parser.addOptions(options);
    // Not addHelpOption(): it also offers --help-all, whose list of Qt's own options needs an
    // application object that does not exist yet here (and the window takes none of them).
    const QCommandLineOption helpOption({QStringLiteral("h"), QStringLiteral("help")},
                                        QStringLiteral("Displays help on commandline options."));
    parser.addOption(helpOption);
    const QCommandLineOption versionOption = parser.addVersionOption();

    if (!parser.parse(arguments)) {
        result.action = Action::Error;
        result.text = parser.errorText();
        return result;
    }
    if (parser.isSet(helpOption)) {
        result.action = Action::Help;
        // The parser names the program after the application object, which does not exist
        // yet here; it would print a placeholder instead.
        result.text = parser.helpText().replace(QStringLiteral("<executable_name>"),
                                                QStringLiteral("herald"));
        return result;
    }
    if (parser.isSet(versionOption)) {
        result.action = Action::Version;
        result.text = QStringLiteral("herald %1\n").arg(QStringLiteral(HERALD_VERSION));
        return result;
    }
    if (!parser.positionalArguments().isEmpty()) {
        result.action = Action::Error;
        result.text = QStringLiteral("unexpected argument \"%1\"")
                          .arg(parser.positionalArguments().first());
        return result;
    }

    result.headless = parser.isSet(QStringLiteral("headless"));
    NodeConfig &node = result.node;
    QString error;
    auto fail = [&result](const QString &message) {
        result.action = Action::Error;
        result.text = message;
        return result;
    };

    if (!readNumber<quint16>(parser, QStringLiteral("port"), 0, 65535, &node.port, &error))
        return fail(error);
    if (parser.isSet(QStringLiteral("bind"))) {
        const QString text = parser.value(QStringLiteral("bind"));
        if (text == QLatin1String("localhost"))
            node.bindAddress = QHostAddress::LocalHost;
        else if (!node.bindAddress.setAddress(text))
            return fail(QStringLiteral("--bind: \"%1\" is not an IP address").arg(text));
    }
    qlonglong history = node.broadcast.historySize;
    if (!readNumber<qlonglong>(parser, QStringLiteral("history"), 0, 10000000, &history, &error))
        return fail(error);
    node.broadcast.historySize = history;

    if (parser.isSet(QStringLiteral("heartbeat"))) {
        bool ok = false;
        const double seconds = parser.value(QStringLiteral("heartbeat")).toDouble(&ok);
        if (!ok || !std::isfinite(seconds) || seconds < 0.01 || seconds > 86400)
            return fail(
                QStringLiteral("--heartbeat: expected seconds from 0.01 to 86400, got \"%1\"")
                    .arg(parser.value(QStringLiteral("heartbeat"))));
        node.broadcast.heartbeatMs = int(std::lround(seconds * 1000));
    }
    if (!readNumber<int>(parser, QStringLiteral("retry"), 0, 86400000, &node.broadcast.retryMs,
                         &error))
        return fail(error);
    if (!readNumber<int>(parser, QStringLiteral("max-clients"), 0, 10000000, &node.http.maxClients,
                         &error))
        return fail(error);
    if (!readNumber<qint64>(parser, QStringLiteral("max-body"), 1, qint64(1) << 30,
                            &node.http.limits.maxBodyBytes, &error))
        return fail(error);
    if (!readNumber<int>(parser, QStringLiteral("max-clients-per-address"), 0, 10000000,
                         &node.http.maxClientsPerAddress, &error))
        return fail(error);
    if (!readNumber<qint64>(parser, QStringLiteral("max-header"), 1024, 16 * 1024 * 1024,
                            &node.http.limits.maxHeaderBytes, &error))
        return fail(error);
    int seconds = node.http.limits.requestTimeoutMs / 1000;
    if (!readNumber<int>(parser, QStringLiteral("request-timeout"), 1, 3600, &seconds, &error))
        return fail(error);
    node.http.limits.requestTimeoutMs = seconds * 1000;
    seconds = node.http.limits.idleTimeoutMs / 1000;
    if (!readNumber<int>(parser, QStringLiteral("idle-timeout"), 1, 86400, &seconds, &error))
        return fail(error);
    node.http.limits.idleTimeoutMs = seconds * 1000;
    if (!readNumber<int>(parser, QStringLiteral("max-requests-per-connection"), 1, 10000000,
                         &node.http.limits.maxRequestsPerConnection, &error))
        return fail(error);
    if (!readNumber<qint64>(parser, QStringLiteral("max-queue"), 1024, qint64(1) << 32,
                            &node.broadcast.maxQueuedBytes, &error))
        return fail(error);
    if (!readNumber<int>(parser, QStringLiteral("workers"), 0, 256, &node.broadcast.workers,
                         &error))
        return fail(error);
    if (!readNumber<int>(parser, QStringLiteral("clients-per-worker"), 0, 1000000,
                         &node.broadcast.clientsPerWorker, &error))
        return fail(error);

    // The token may also come from the environment, so it need not show in process lists.
    if (qEnvironmentVariableIsSet("HERALD_PUBLISH_TOKEN"))
        node.http.publishToken = qgetenv("HERALD_PUBLISH_TOKEN").trimmed();
    if (parser.isSet(QStringLiteral("publish-token"))
        && parser.isSet(QStringLiteral("publish-token-file")))
        return fail(
            QStringLiteral("give either --publish-token or --publish-token-file, not both"));
    if (parser.isSet(QStringLiteral("publish-token")))
        node.http.publishToken = parser.value(QStringLiteral("publish-token")).toUtf8();
    if (parser.isSet(QStringLiteral("publish-token-file"))) {
        QFile file(parser.value(QStringLiteral("publish-token-file")));
        if (!file.open(QIODevice::ReadOnly))
            return fail(QStringLiteral("--publish-token-file: cannot read \"%1\": %2")
                            .arg(file.fileName(), file.errorString()));
        node.http.publishToken = file.readLine().trimmed();
    }
    if (parser.isSet(QStringLiteral("publish-token"))
        || parser.isSet(QStringLiteral("publish-token-file"))) {
        if (node.http.publishToken.isEmpty())
            return fail(QStringLiteral("the publish token must not be empty"));
    }
    if (parser.isSet(QStringLiteral("allow-origin"))) {
        const QByteArray origin = parser.value(QStringLiteral("allow-origin")).toUtf8();
        if (origin.contains('\r') || origin.contains('\n'))
            return fail(QStringLiteral("--allow-origin must not contain line breaks"));
        // An explicit empty value turns CORS off; null means "use the default".
        node.http.allowOrigin = origin.isNull() ? QByteArray("") : origin;
    }
    if (parser.isSet(QStringLiteral("redis"))) {
        QString redisError;
        const std::optional<RedisUrl> url
            = RedisUrl::parse(parser.value(QStringLiteral("redis")), &redisError);
        if (!url)
            return fail(QStringLiteral("--redis: %1").arg(redisError));
        RelayConfig relay;
        relay.url = *url;
        if (parser.isSet(QStringLiteral("redis-password-file"))) {
            QFile file(parser.value(QStringLiteral("redis-password-file")));
            if (!file.open(QIODevice::ReadOnly))
                return fail(QStringLiteral("--redis-password-file: cannot read \"%1\": %2")
                                .arg(file.fileName(), file.errorString()));
            relay.url.password = QString::fromUtf8(file.readLine().trimmed());
        }
        node.relay = relay;
    } else if (parser.isSet(QStringLiteral("redis-password-file"))) {
        return fail(QStringLiteral("--redis-password-file needs --redis"));
    }
    if (parser.isSet(QStringLiteral("node-id")))
        node.broadcast.nodeId = parser.value(QStringLiteral("node-id"));
    if (parser.isSet(QStringLiteral("state-dir"))) {
        node.stateDir = parser.value(QStringLiteral("state-dir"));
        if (node.stateDir.isEmpty())
            return fail(QStringLiteral("--state-dir must not be empty"));
    } else {
        node.stateDir = QStandardPaths::writableLocation(QStandardPaths::AppLocalDataLocation);
    }
    node.broadcast.maxQueuedBytes = std::max<qint64>(node.broadcast.maxQueuedBytes, 1024);
    return result;
}

} // namespace Herald
