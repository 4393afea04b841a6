// herald-soak: a long run against real herald processes that tries to wear them down, then
// says whether they held: thousands of connect / kick / reset / disconnect cycles, stalled
// readers, publishes at a rate and Redis restarts, with well-behaved virtual clients that must
// end up with every accepted event exactly once.
//
//   herald-soak --herald build/app/herald [--duration 180] [--clients 40] [--rate 50]
//               [--churn 20] [--stalled 4] [--redis-restarts 2]
//
// Two herald nodes relayed through a private redis-server (append-only, so a restart keeps the
// shared stream), all on loopback. Open descriptors, RSS and client counts of both nodes are
// printed at the start and at the end, and the result as one JSON line.

#include "redisprocess.h"
#include "scenario/virtualclient.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QDateTime>
#include <QDir>
#include <QElapsedTimer>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QProcess>
#include <QRandomGenerator>
#include <QRegularExpression>
#include <QSet>
#include <QTcpSocket>
#include <QTimer>

#include <csignal>
#include <cstdio>
#include <memory>

#include <sys/socket.h>

using namespace Herald;

namespace {

struct ProcessFigures
{
    int descriptors = 0;
    qint64 rssKiB = 0;
    int clients = -1;
};

int countDescriptors(qint64 pid)
{
    return int(QDir(QStringLiteral("/proc/%1/fd").arg(pid))
                   .entryList(QDir::NoDotAndDotDot | QDir::System)
                   .size());
}

qint64 rssKiB(qint64 pid)
{
    QFile status(QStringLiteral("/proc/%1/status").arg(pid));
    if (!status.open(QIODevice::ReadOnly))
        return -1;
    for (const QByteArray &line : status.readAll().split('\n')) {
        if (line.startsWith("VmRSS:"))
            return line.mid(6).trimmed().split(' ').constFirst().toLongLong();
    }
    return -1;
}

// Runs the event loop until the condition holds or the time is up.
bool waitFor(const std::function<bool()> &condition, int timeoutMs)
{
    QElapsedTimer clock;
    clock.start();
    while (!condition()) {
        if (clock.elapsed() > timeoutMs)
            return false;
        QCoreApplication::processEvents(QEventLoop::AllEvents, 20);
    }
    return true;
}

class HeraldProcess
{
public:
    bool start(const QString &binary, const QStringList &arguments)
    {
        m_process.setProcessChannelMode(QProcess::SeparateChannels);
        m_process.start(binary, arguments);
        if (!m_process.waitForStarted(5000))
            return false;
        QByteArray out;
        const bool ok = waitFor(
            [&] {
                out += m_process.readAllStandardOutput();
                return out.contains('\n') || m_process.state() == QProcess::NotRunning;
            },
            10000);
        const auto match = QRegularExpression(QStringLiteral("serving on http://127.0.0.1:(\\d+)/"))
                               .match(QString::fromUtf8(out));
        if (!ok || !match.hasMatch())
            return false;
        m_port = quint16(match.captured(1).toUInt());
        return true;
    }
    void stop()
    {
        if (m_process.state() == QProcess::NotRunning)
            return;
        ::kill(pid_t(m_process.processId()), SIGTERM);
        if (!m_process.waitForFinished(10000))
            m_process.kill();
    }
    quint16 port() const { return m_port; }
    qint64 pid() const { return m_process.processId(); }
    QUrl url(const QString &path) const
    {
        return QUrl(QStringLiteral("http://127.0.0.1:%1%2").arg(m_port).arg(path));
    }

private:
    QProcess m_process;
    quint16 m_port = 0;
};

} // namespace

int main(int argc, char **argv)
{
    qputenv("QT_NO_GLIB", "1");
    QCoreApplication app(argc, argv);
    QCommandLineParser parser;
    parser.setApplicationDescription(
        QStringLiteral("Soak test for herald: churn, stalls, publishes "
                       "and Redis restarts, then leaks and losses."));
    parser.addHelpOption();
    parser.addOptions({
        {QStringLiteral("herald"), QStringLiteral("The herald binary."), QStringLiteral("PATH")},
        {QStringLiteral("duration"),
         QStringLiteral("Seconds of churn (default 180, at most 3600)."), QStringLiteral("S"),
         QStringLiteral("180")},
        {QStringLiteral("clients"), QStringLiteral("Well-behaved clients (default 40)."),
         QStringLiteral("N"), QStringLiteral("40")},
        {QStringLiteral("rate"), QStringLiteral("Publishes per second (default 50)."),
         QStringLiteral("N"), QStringLiteral("50")},
        {QStringLiteral("churn"),
         QStringLiteral("Connect/kick/reset/disconnect actions per second (default 20)."),
         QStringLiteral("N"), QStringLiteral("20")},
        {QStringLiteral("stalled"), QStringLiteral("Stalled readers kept connected (default 4)."),
         QStringLiteral("N"), QStringLiteral("4")},
        {QStringLiteral("redis-restarts"),
         QStringLiteral("Redis SIGKILL/restart cycles (default 2)."), QStringLiteral("N"),
         QStringLiteral("2")},
    });
    parser.process(app);

    const QString binary = parser.value(QStringLiteral("herald"));
    const int duration = std::clamp(parser.value(QStringLiteral("duration")).toInt(), 5, 3600);
    const int clientCount = std::clamp(parser.value(QStringLiteral("clients")).toInt(), 1, 2000);
    const int rate = std::clamp(parser.value(QStringLiteral("rate")).toInt(), 1, 2000);
    const int churn = std::clamp(parser.value(QStringLiteral("churn")).toInt(), 0, 1000);
    const int stalledCount = std::clamp(parser.value(QStringLiteral("stalled")).toInt(), 0, 200);
    const int restarts = std::clamp(parser.value(QStringLiteral("redis-restarts")).toInt(), 0, 20);
    if (binary.isEmpty() || !QFileInfo(binary).isExecutable()) {
        std::fprintf(stderr, "herald-soak: --herald must name the herald binary\n");
        return 2;
    }

    // Redis keeps the shared stream across its restarts (append-only file, synced each write).
    Test::RedisProcess redis({},
                             {QStringLiteral("--appendonly"), QStringLiteral("yes"),
                              QStringLiteral("--appendfsync"), QStringLiteral("always")});
    if (!redis.start()) {
        std::fprintf(stderr, "herald-soak: cannot start redis-server: %s\n",
                     qPrintable(redis.errorString()));
        return 2;
    }

    HeraldProcess nodes[2];
    for (int i = 0; i < 2; ++i) {
        const QStringList arguments = {QStringLiteral("--headless"),
                                       QStringLiteral("--port"),
                                       QStringLiteral("0"),
                                       QStringLiteral("--node-id"),
                                       QStringLiteral("soak-%1").arg(i + 1),
                                       QStringLiteral("--redis"),
                                       redis.url(),
                                       QStringLiteral("--retry"),
                                       QStringLiteral("300"),
                                       QStringLiteral("--heartbeat"),
                                       QStringLiteral("2"),
                                       QStringLiteral("--max-queue"),
                                       QStringLiteral("262144")};
        if (!nodes[i].start(binary, arguments)) {
            std::fprintf(stderr, "herald-soak: cannot start %s\n", qPrintable(binary));
            return 2;
        }
    }

    QNetworkAccessManager network;
    auto health = [&](int node) {
        QNetworkReply *reply
            = network.get(QNetworkRequest(nodes[node].url(QStringLiteral("/healthz"))));
        waitFor([reply] { return reply->isFinished(); }, 5000);
        const QJsonObject object = QJsonDocument::fromJson(reply->readAll()).object();
        reply->deleteLater();
        return object;
    };
    auto relayConnected = [&](int node) {
        return health(node)
                   .value(QLatin1String("relay"))
                   .toObject()
                   .value(QLatin1String("state"))
                   .toString()
            == QLatin1String("connected");
    };
    if (!waitFor([&] { return relayConnected(0) && relayConnected(1); }, 15000)) {
        std::fprintf(stderr, "herald-soak: the nodes did not connect to Redis\n");
        return 2;
    }

    // Well-behaved clients, half on each node.
    std::vector<std::unique_ptr<VirtualClient>> clients;
    for (int i = 0; i < clientCount; ++i) {
        VirtualClient::Config config;
        config.url = nodes[i % 2].url(QStringLiteral("/events?topic=soak"));
        config.name = QStringLiteral("good-%1").arg(i + 1);
        config.maxAttempts = 1000000;
        clients.push_back(std::make_unique<VirtualClient>(config));
        clients.back()->start();
    }
    waitFor(
        [&] {
            return std::all_of(clients.begin(), clients.end(),
                               [](const auto &c) { return c->isOpen(); });
        },
        20000);

    auto figures = [&](int node) {
        ProcessFigures f;
        f.descriptors = countDescriptors(nodes[node].pid());
        f.rssKiB = rssKiB(nodes[node].pid());
        f.clients = health(node).value(QLatin1String("clients")).toInt(-1);
        return f;
    };
    const ProcessFigures before[2] = {figures(0), figures(1)};

    // Publisher: alternating nodes; only accepted (202) events are owed to the clients.
    QSet<qint64> accepted;
    int refused = 0;
    qint64 sequence = 0;
    QTimer publishTimer;
    QObject::connect(&publishTimer, &QTimer::timeout, &app, [&] {
        const int node = int(sequence % 2);
        QNetworkRequest request(nodes[node].url(QStringLiteral("/publish")));
        request.setHeader(QNetworkRequest::ContentTypeHeader, QByteArray("application/json"));
        const QByteArray data = QByteArray(R"({"seq":)") + QByteArray::number(++sequence)
            + R"(,"t":)" + QByteArray::number(QDateTime::currentMSecsSinceEpoch()) + '}';
        const QByteArray body
            = QJsonDocument(QJsonObject{{QStringLiteral("topic"), QStringLiteral("soak")},
                                        {QStringLiteral("data"), QString::fromUtf8(data)}})
                  .toJson(QJsonDocument::Compact);
        QNetworkReply *reply = network.post(request, body);
        QObject::connect(reply, &QNetworkReply::finished, &app, [reply, &accepted, &refused] {
            const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
            if (status == 202)
                accepted.insert(QJsonDocument::fromJson(reply->readAll())
                                    .object()
                                    .value(QLatin1String("id"))
                                    .toString()
                                    .toLongLong());
            else
                ++refused;
            reply->deleteLater();
        });
    });
    publishTimer.start(1000 / rate);

    // Churn: short-lived raw streams, kicks and resets of good clients.
    int cycles = 0;
    QTimer churnTimer;
    QObject::connect(&churnTimer, &QTimer::timeout, &app, [&] {
        ++cycles;
        auto *random = QRandomGenerator::global();
        const int node = int(random->bounded(2));
        switch (random->bounded(3)) {
        case 0: { // connect, read the head, hang up
            auto *socket = new QTcpSocket(&app);
            QObject::connect(socket, &QTcpSocket::connected, socket, [socket] {
                socket->write("GET /events?topic=soak HTTP/1.1\r\nHost: soak\r\n\r\n");
            });
            QObject::connect(socket, &QTcpSocket::readyRead, socket, [socket] {
                socket->abort();
                socket->deleteLater();
            });
            QObject::connect(socket, &QTcpSocket::errorOccurred, socket,
                             [socket] { socket->deleteLater(); });
            socket->connectToHost(QHostAddress::LocalHost, nodes[node].port());
            break;
        }
        case 1:
        case 2: { // kick (clean close) or reset a good client: it must resume without loss
            VirtualClient *client = clients[random->bounded(quint32(clients.size()))].get();
            const QByteArray id = client->serverClientId();
            if (id.isEmpty())
                break;
            const int owner = int(clients.size()) > 0
                ? client->config().url.port() == nodes[0].port() ? 0 : 1
                : 0;
            QNetworkRequest request(nodes[owner].url(
                QStringLiteral("/clients/") + QString::fromLatin1(id)
                + (random->bounded(2) ? QStringLiteral("?mode=reset") : QString())));
            QNetworkReply *reply = network.deleteResource(request);
            QObject::connect(reply, &QNetworkReply::finished, reply, &QObject::deleteLater);
            break;
        }
        }
    });
    if (churn > 0)
        churnTimer.start(std::max(1, 1000 / churn));

    // Stalled readers: sockets that never read; the server cuts them at --max-queue, and new
    // ones take their place.
    std::vector<QTcpSocket *> stalled;
    QTimer stallTimer;
    QObject::connect(&stallTimer, &QTimer::timeout, &app, [&] {
        stalled.erase(std::remove_if(stalled.begin(), stalled.end(),
                                     [](QTcpSocket *s) {
                                         if (s->state() != QAbstractSocket::UnconnectedState)
                                             return false;
                                         s->deleteLater();
                                         return true;
                                     }),
                      stalled.end());
        while (int(stalled.size()) < stalledCount) {
            auto *socket = new QTcpSocket(&app);
            socket->setReadBufferSize(1); // Qt stops reading once one byte is buffered
            socket->connectToHost(QHostAddress::LocalHost, nodes[stalled.size() % 2].port());
            QObject::connect(socket, &QTcpSocket::connected, socket, [socket] {
                const int small = 4096;
                ::setsockopt(int(socket->socketDescriptor()), SOL_SOCKET, SO_RCVBUF, &small,
                             sizeof small);
                socket->write("GET /events?topic=soak HTTP/1.1\r\nHost: soak\r\n\r\n");
            });
            stalled.push_back(socket);
        }
    });
    stallTimer.start(500);

    // Redis restarts spread over the run.
    int restartsDone = 0;
    QElapsedTimer runClock;
    runClock.start();
    std::printf("herald-soak: %d s, %d clients, %d publishes/s, %d churn actions/s, %d stalled, %d "
                "Redis restarts\n",
                duration, clientCount, rate, churn, stalledCount, restarts);
    std::fflush(stdout);
    while (runClock.elapsed() < qint64(duration) * 1000) {
        const qint64 nextRestartMs = qint64(duration) * 1000 * (restartsDone + 1) / (restarts + 1);
        if (restartsDone < restarts && runClock.elapsed() >= nextRestartMs) {
            redis.kill();
            waitFor([&] { return !relayConnected(0) && !relayConnected(1); }, 10000);
            redis.start();
            waitFor([&] { return relayConnected(0) && relayConnected(1); }, 20000);
            ++restartsDone;
            continue;
        }
        QCoreApplication::processEvents(QEventLoop::AllEvents, 50);
    }

    // Wind down: no more churn or stalls or publishes; everyone catches up.
    churnTimer.stop();
    stallTimer.stop();
    publishTimer.stop();
    for (QTcpSocket *socket : stalled)
        socket->abort();
    waitFor([&] { return false; }, 1000); // let answers to the last publishes arrive
    const qint64 last
        = accepted.isEmpty() ? 0 : *std::max_element(accepted.begin(), accepted.end());
    waitFor(
        [&] {
            return std::all_of(clients.begin(), clients.end(), [last](const auto &c) {
                return c->isOpen() && c->lastEventId().toLongLong() >= last;
            });
        },
        20000);
    waitFor(
        [&] {
            return figures(0).clients == clientCount / 2 + clientCount % 2
                && figures(1).clients == clientCount / 2;
        },
        10000);
    const ProcessFigures after[2] = {figures(0), figures(1)};

    // Every accepted event from a client's first one on, exactly once.
    qint64 lost = 0;
    qint64 duplicated = 0;
    qint64 reconnects = 0;
    for (const auto &client : clients) {
        const ClientLog &log = client->log();
        QSet<qint64> seen;
        qint64 first = -1;
        for (const ClientLog::Event &event : log.events) {
            const qint64 id = event.id.toLongLong();
            if (first < 0)
                first = id;
            if (seen.contains(id))
                ++duplicated;
            seen.insert(id);
        }
        for (qint64 id : accepted) {
            if (first >= 0 && id >= first && !seen.contains(id))
                ++lost;
        }
        reconnects += qint64(log.attempts.size()) - 1;
    }

    std::printf("\n%-8s %14s %14s %14s %14s %10s %10s\n", "node", "fds start", "fds end",
                "RSS start KiB", "RSS end KiB", "clients", "clients");
    for (int i = 0; i < 2; ++i)
        std::printf("%-8s %14d %14d %14lld %14lld %10d %10d\n",
                    qPrintable(QStringLiteral("soak-%1").arg(i + 1)), before[i].descriptors,
                    after[i].descriptors, before[i].rssKiB, after[i].rssKiB, before[i].clients,
                    after[i].clients);
    std::printf(
        "\nchurn actions %d, client reconnects %lld, Redis restarts %d, events accepted %lld, "
        "publishes refused (Redis down) %d\nwell-behaved clients: lost %lld, duplicated %lld\n",
        cycles, reconnects, restartsDone, qint64(accepted.size()), refused, lost, duplicated);

    QJsonArray nodeFigures;
    for (int i = 0; i < 2; ++i)
        nodeFigures.append(
            QJsonObject{{QStringLiteral("node"), QStringLiteral("soak-%1").arg(i + 1)},
                        {QStringLiteral("fdsStart"), before[i].descriptors},
                        {QStringLiteral("fdsEnd"), after[i].descriptors},
                        {QStringLiteral("rssStartKiB"), double(before[i].rssKiB)},
                        {QStringLiteral("rssEndKiB"), double(after[i].rssKiB)},
                        {QStringLiteral("clientsStart"), before[i].clients},
                        {QStringLiteral("clientsEnd"), after[i].clients}});
    const QJsonObject result{{QStringLiteral("durationSeconds"), duration},
                             {QStringLiteral("churnActions"), cycles},
                             {QStringLiteral("reconnects"), double(reconnects)},
                             {QStringLiteral("redisRestarts"), restartsDone},
                             {QStringLiteral("accepted"), double(accepted.size())},
                             {QStringLiteral("refused"), refused},
                             {QStringLiteral("lost"), double(lost)},
                             {QStringLiteral("duplicated"), double(duplicated)},
                             {QStringLiteral("nodes"), nodeFigures}};
    std::printf("%s\n", QJsonDocument(result).toJson(QJsonDocument::Compact).constData());

    clients.clear();
    for (HeraldProcess &node : nodes)
        node.stop();
    return lost == 0 && duplicated == 0 ? 0 : 1;
}
