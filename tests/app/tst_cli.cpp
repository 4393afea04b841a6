// The herald program itself: its command line, its start-up line and its shutdown.

#include "testsupport.h"

#include <QDir>
#include <QProcess>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QTest>

#include <algorithm>
#include <memory>
#include <vector>

#include <csignal>

using namespace Herald::Test;

class tst_Cli : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void badArguments_data();
    void badArguments();
    void helpAndVersion();
    void startServeAndStopOnSignal_data();
    void startServeAndStopOnSignal();
    void idsContinueAfterRestart();
    void acceptsAgainAfterRunningOutOfDescriptors();
    void noDisplayWithoutHeadless();
};

namespace {

const QString herald = QStringLiteral(HERALD_BINARY);

// Runs herald to completion with the event loop spinning; returns false on a time-out.
bool runToEnd(QProcess &process, const QStringList &arguments, int timeoutMs = 10000)
{
    QSignalSpy finished(&process, &QProcess::finished);
    process.start(herald, arguments);
    return finished.wait(timeoutMs) || process.state() == QProcess::NotRunning;
}

// Starts herald (through the shell when a command line is given instead, so that a test can set
// limits first) and reads the port from its start-up line; 0 when it did not come up.
quint16 startServing(QProcess &process, const QStringList &arguments,
                     const QString &shellPrefix = {})
{
    if (shellPrefix.isEmpty()) {
        process.start(herald, arguments);
    } else {
        QStringList quoted;
        for (const QString &argument : arguments)
            quoted.append(QLatin1Char('\'') + argument + QLatin1Char('\''));
        process.start(QStringLiteral("/bin/sh"),
                      {QStringLiteral("-c"),
                       shellPrefix + QStringLiteral(" exec '") + herald + QStringLiteral("' ")
                           + quoted.join(QLatin1Char(' '))});
    }
    if (!process.waitForStarted())
        return 0;
    // The first stdout line names the URL; with --port 0 it is the only way to know the port.
    QByteArray out;
    if (!QTest::qWaitFor([&] { return (out += process.readAllStandardOutput()).contains('\n'); },
                         10000))
        return 0;
    const QRegularExpressionMatch match
        = QRegularExpression(QStringLiteral("serving on http://127.0.0.1:(\\d+)/"))
              .match(QString::fromUtf8(out));
    return match.hasMatch() ? quint16(match.captured(1).toUInt()) : 0;
}

qint64 publishedId(const HttpResult &result)
{
    const int at = result.body.indexOf("\"id\":\"");
    return at < 0 ? -1 : result.body.mid(at + 6).split('"').constFirst().toLongLong();
}

bool stopWith(QProcess &process, int signal)
{
    QSignalSpy finished(&process, &QProcess::finished);
    ::kill(pid_t(process.processId()), signal);
    return finished.wait(10000) || process.state() == QProcess::NotRunning;
}

} // namespace

void tst_Cli::badArguments_data()
{
    QTest::addColumn<QStringList>("arguments");
    QTest::addColumn<QString>("message");
    QTest::addColumn<int>("exitCode"); // 2: a bad command line; 1: a server that cannot start

    QTest::newRow("port not a number")
        << QStringList{QStringLiteral("--headless"), QStringLiteral("--port"),
                       QStringLiteral("http")}
        << QStringLiteral("--port") << 2;
    QTest::newRow("port too large")
        << QStringList{QStringLiteral("--headless"), QStringLiteral("--port"),
                       QStringLiteral("70000")}
        << QStringLiteral("0 to 65535") << 2;
    QTest::newRow("bind not an address")
        << QStringList{QStringLiteral("--headless"), QStringLiteral("--bind"),
                       QStringLiteral("my-box")}
        << QStringLiteral("not an IP address") << 2;
    QTest::newRow("negative history")
        << QStringList{QStringLiteral("--headless"), QStringLiteral("--history"),
                       QStringLiteral("-1")}
        << QStringLiteral("--history") << 2;
    QTest::newRow("zero heartbeat")
        << QStringList{QStringLiteral("--headless"), QStringLiteral("--heartbeat"),
                       QStringLiteral("0")}
        << QStringLiteral("--heartbeat") << 2;
    QTest::newRow("negative clients per worker")
        << QStringList{QStringLiteral("--headless"), QStringLiteral("--clients-per-worker"),
                       QStringLiteral("-5")}
        << QStringLiteral("--clients-per-worker") << 2;
    QTest::newRow("unknown option")
        << QStringList{QStringLiteral("--headles")} << QStringLiteral("Unknown option") << 2;
    QTest::newRow("stray argument")
        << QStringList{QStringLiteral("--headless"), QStringLiteral("extra")}
        << QStringLiteral("unexpected argument") << 2;
    QTest::newRow("missing token file")
        << QStringList{QStringLiteral("--headless"), QStringLiteral("--publish-token-file"),
                       QStringLiteral("/nonexistent/token")}
        << QStringLiteral("cannot read") << 2;
    QTest::newRow("empty token") << QStringList{QStringLiteral("--headless"),
                                                QStringLiteral("--publish-token"), QString()}
                                 << QStringLiteral("must not be empty") << 2;
    QTest::newRow("bad redis url")
        << QStringList{QStringLiteral("--headless"), QStringLiteral("--redis"),
                       QStringLiteral("http://x")}
        << QStringLiteral("--redis") << 2;
    QTest::newRow("password file without redis")
        << QStringList{QStringLiteral("--headless"), QStringLiteral("--redis-password-file"),
                       QStringLiteral("/tmp/x")}
        << QStringLiteral("needs --redis") << 2;
    QTest::newRow("both token options")
        << QStringList{QStringLiteral("--headless"), QStringLiteral("--publish-token"),
                       QStringLiteral("a"), QStringLiteral("--publish-token-file"),
                       QStringLiteral("/nonexistent/token")}
        << QStringLiteral("not both") << 2;
    QTest::newRow("help-all is not offered")
        << QStringList{QStringLiteral("--help-all")} << QStringLiteral("Unknown option") << 2;
    QTest::newRow("port taken") << QStringList{QStringLiteral("--headless"),
                                               QStringLiteral("--port"),
                                               QStringLiteral("PORT_IN_USE")}
                                << QStringLiteral("cannot listen") << 1;
}

void tst_Cli::badArguments()
{
    QFETCH(QStringList, arguments);
    QFETCH(QString, message);
    QFETCH(int, exitCode);

    // A port that is certainly in use: this test's own listener.
    QTcpServer occupied;
    QVERIFY(occupied.listen(QHostAddress::LocalHost, 0));
    arguments.replaceInStrings(QStringLiteral("PORT_IN_USE"),
                               QString::number(occupied.serverPort()));

    QProcess process;
    QVERIFY(runToEnd(process, arguments));
    QCOMPARE(process.exitCode(), exitCode);
    // The message is one line of its own, "herald: ..." (log lines may come before it).
    const QString error = QString::fromLocal8Bit(process.readAllStandardError());
    const QStringList lines = error.split(QLatin1Char('\n'));
    const auto line = std::find_if(lines.cbegin(), lines.cend(),
                                   [&message](const QString &l) { return l.contains(message); });
    QVERIFY2(line != lines.cend(), qPrintable(error));
    QVERIFY2(line->startsWith(QLatin1String("herald: ")), qPrintable(error));
}

void tst_Cli::helpAndVersion()
{
    QProcess process;
    QVERIFY(runToEnd(process, {QStringLiteral("--version")}));
    QCOMPARE(process.exitCode(), 0);
    QCOMPARE(process.readAllStandardOutput().trimmed(), QByteArray("herald " HERALD_VERSION));

    QVERIFY(runToEnd(process, {QStringLiteral("--help")}));
    QCOMPARE(process.exitCode(), 0);
    const QByteArray help = process.readAllStandardOutput();
    QVERIFY2(help.startsWith("Usage: herald [options]"), help.constData());
    for (const char *option : {"--headless", "--port", "--bind", "--history", "--heartbeat",
                               "--retry", "--publish-token", "--max-clients", "--redis"})
        QVERIFY2(help.contains(option), option);
}

void tst_Cli::startServeAndStopOnSignal_data()
{
    QTest::addColumn<int>("signal");
    QTest::newRow("SIGTERM") << int(SIGTERM);
    QTest::newRow("SIGINT") << int(SIGINT);
}

void tst_Cli::startServeAndStopOnSignal()
{
    QFETCH(int, signal);

    QProcess process;
    const quint16 port = startServing(
        process, {QStringLiteral("--headless"), QStringLiteral("--port"), QStringLiteral("0")});
    QVERIFY2(port != 0, process.readAllStandardError().constData());

    RawHttpClient client(port);
    QVERIFY(client.connectToServer());
    client.get("/events");
    QVERIFY(client.waitForHead());
    QCOMPARE(publishJson(port, R"({"data":"before the end"})").status, 202);
    QVERIFY(client.waitForBodyContaining("data: before the end\n\n"));

    // The signal: the stream ends cleanly (so clients reconnect elsewhere) and herald exits 0.
    QSignalSpy finished(&process, &QProcess::finished);
    ::kill(pid_t(process.processId()), signal);
    QVERIFY(client.waitForDisconnect(5000));
    QCOMPARE(client.socket().error(), QAbstractSocket::RemoteHostClosedError);
    QVERIFY(finished.wait(5000) || process.state() == QProcess::NotRunning);
    QCOMPARE(process.exitStatus(), QProcess::NormalExit);
    QCOMPARE(process.exitCode(), 0);
}

void tst_Cli::idsContinueAfterRestart()
{
    // A node on a fixed port continues its ids after a restart, so that an id a client kept
    // from the earlier run is never mistaken for one of the new run's events.
    QTemporaryDir state;
    QVERIFY(state.isValid());
    const QString port = QString::number(freeLoopbackPort());
    const QStringList arguments = {QStringLiteral("--headless"), QStringLiteral("--port"), port,
                                   QStringLiteral("--state-dir"), state.path()};

    qint64 lastOfFirstRun = 0;
    {
        QProcess process;
        const quint16 serving = startServing(process, arguments);
        QVERIFY2(serving != 0, process.readAllStandardError().constData());
        for (int i = 0; i < 3; ++i)
            lastOfFirstRun = publishedId(publishJson(serving, R"({"data":"first run"})"));
        QCOMPARE(lastOfFirstRun, qint64(3));
        QVERIFY(stopWith(process, SIGTERM));
        QCOMPARE(process.exitCode(), 0);
    }

    QProcess process;
    const quint16 serving = startServing(process, arguments);
    QVERIFY2(serving != 0, process.readAllStandardError().constData());
    const qint64 first = publishedId(publishJson(serving, R"({"data":"second run"})"));
    QVERIFY2(first > lastOfFirstRun, QByteArray::number(first).constData());

    RawHttpClient resumed(serving);
    QVERIFY(resumed.connectToServer());
    resumed.get("/events", {"Last-Event-ID: " + QByteArray::number(lastOfFirstRun)});
    QVERIFY(resumed.waitForHead());
    QCOMPARE(resumed.header("herald-replay"), QByteArray("gap"));
    QVERIFY(resumed.waitForBodyContaining("data: second run\n\n"));
    QCOMPARE(resumed.ids(), QList<qint64>{first});

    // A bad state file is a clear error, not a silent restart at 1.
    QVERIFY(stopWith(process, SIGTERM));
    const QString file = state.filePath(QStringLiteral("ids-127.0.0.1-") + port);
    QVERIFY2(QFile::exists(file), qPrintable(file));
    QFile broken(file);
    QVERIFY(broken.open(QIODevice::WriteOnly | QIODevice::Truncate));
    broken.write("not a number\n");
    broken.close();
    QProcess refused;
    QVERIFY(runToEnd(refused, arguments));
    QVERIFY(refused.exitCode() != 0);
    QVERIFY(refused.readAllStandardError().contains("does not hold an event id"));

    // So is a state folder that cannot be one (here a plain file): said at start, not at the
    // first publish.
    QFile plain(state.filePath(QStringLiteral("plain-file")));
    QVERIFY(plain.open(QIODevice::WriteOnly));
    plain.close();
    QStringList intoAFile = arguments;
    intoAFile.last() = plain.fileName();
    QProcess unusable;
    QVERIFY(runToEnd(unusable, intoAFile));
    QCOMPARE(unusable.exitCode(), 1);
    QVERIFY(unusable.readAllStandardError().contains("cannot create the folder"));
}

void tst_Cli::acceptsAgainAfterRunningOutOfDescriptors()
{
    // With a tiny descriptor limit, more connections arrive than herald can accept. Once they
    // are gone, it must serve again rather than stay deaf.
#ifdef HERALD_SANITIZED
    // UndefinedBehaviorSanitizer checks an object's type by probing its vtable's memory through
    // a pipe it opens for the purpose; with every descriptor taken that probe fails and it
    // reports a valid object as invalid, then exits. The normal build runs this test.
    QSKIP("the sanitizer runtime needs spare descriptors that this test takes away");
#endif
    QProcess process;
    const quint16 port = startServing(
        process, {QStringLiteral("--headless"), QStringLiteral("--port"), QStringLiteral("0")},
        QStringLiteral("ulimit -n 48 &&"));
    QVERIFY2(port != 0, process.readAllStandardError().constData());

    std::vector<std::unique_ptr<RawHttpClient>> clients;
    for (int i = 0; i < 80; ++i) {
        auto client = std::make_unique<RawHttpClient>(port);
        QVERIFY(client->connectToServer());
        client->get("/events");
        clients.push_back(std::move(client));
    }
    // Some were served; the rest wait where herald could not take them.
    QTRY_VERIFY_WITH_TIMEOUT(
        std::any_of(clients.cbegin(), clients.cend(), [](const auto &c) { return c->status(); }),
        10000);
    // Herald holds (nearly) every descriptor its limit allows, as /proc lists them: the
    // limit did bite.
    const QDir descriptors(QStringLiteral("/proc/%1/fd").arg(process.processId()));
    QTRY_VERIFY_WITH_TIMEOUT(descriptors.entryList(QDir::Files | QDir::System).size() >= 45, 10000);
    clients.clear();

    QTRY_COMPARE_WITH_TIMEOUT(httpRequest(port, "GET", "/healthz", {}, {}, 1000).status, 200,
                              15000);
    QVERIFY(stopWith(process, SIGTERM));
}

void tst_Cli::noDisplayWithoutHeadless()
{
    QProcess process;
    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    environment.remove(QStringLiteral("DISPLAY"));
    environment.remove(QStringLiteral("WAYLAND_DISPLAY"));
    environment.remove(QStringLiteral("QT_QPA_PLATFORM"));
    process.setProcessEnvironment(environment);
    QVERIFY(runToEnd(process, {QStringLiteral("--port"), QStringLiteral("0")}));
    QVERIFY(process.exitCode() != 0);
    const QString error = QString::fromLocal8Bit(process.readAllStandardError());
    QVERIFY2(error.contains(QLatin1String("--headless")), qPrintable(error));
}

QTEST_GUILESS_MAIN(tst_Cli)
#include "tst_cli.moc"
