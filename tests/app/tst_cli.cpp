// The herald program itself: its command line, its start-up line and its shutdown.

#include "testsupport.h"

#include <QProcess>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QTcpServer>
#include <QTest>

#include <csignal>

using namespace Herald::Test;

class tst_Cli : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void badArguments_data();
    void badArguments();
    void helpAndVersion();
    void startServeAndStopOnSigterm();
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

} // namespace

void tst_Cli::badArguments_data()
{
    QTest::addColumn<QStringList>("arguments");
    QTest::addColumn<QString>("message");

    QTest::newRow("port not a number")
        << QStringList{QStringLiteral("--headless"), QStringLiteral("--port"),
                       QStringLiteral("http")}
        << QStringLiteral("--port");
    QTest::newRow("port too large")
        << QStringList{QStringLiteral("--headless"), QStringLiteral("--port"),
                       QStringLiteral("70000")}
        << QStringLiteral("0 to 65535");
    QTest::newRow("bind not an address")
        << QStringList{QStringLiteral("--headless"), QStringLiteral("--bind"),
                       QStringLiteral("my-box")}
        << QStringLiteral("not an IP address");
    QTest::newRow("negative history")
        << QStringList{QStringLiteral("--headless"), QStringLiteral("--history"),
                       QStringLiteral("-1")}
        << QStringLiteral("--history");
    QTest::newRow("zero heartbeat")
        << QStringList{QStringLiteral("--headless"), QStringLiteral("--heartbeat"),
                       QStringLiteral("0")}
        << QStringLiteral("--heartbeat");
    QTest::newRow("unknown option")
        << QStringList{QStringLiteral("--headles")} << QStringLiteral("Unknown option");
    QTest::newRow("stray argument")
        << QStringList{QStringLiteral("--headless"), QStringLiteral("extra")}
        << QStringLiteral("unexpected argument");
    QTest::newRow("missing token file")
        << QStringList{QStringLiteral("--headless"), QStringLiteral("--publish-token-file"),
                       QStringLiteral("/nonexistent/token")}
        << QStringLiteral("cannot read");
    QTest::newRow("empty token") << QStringList{QStringLiteral("--headless"),
                                                QStringLiteral("--publish-token"), QString()}
                                 << QStringLiteral("must not be empty");
    QTest::newRow("bad redis url")
        << QStringList{QStringLiteral("--headless"), QStringLiteral("--redis"),
                       QStringLiteral("http://x")}
        << QStringLiteral("--redis");
    QTest::newRow("password file without redis")
        << QStringList{QStringLiteral("--headless"), QStringLiteral("--redis-password-file"),
                       QStringLiteral("/tmp/x")}
        << QStringLiteral("needs --redis");
    QTest::newRow("port taken") << QStringList{QStringLiteral("--headless"),
                                               QStringLiteral("--port"),
                                               QStringLiteral("PORT_IN_USE")}
                                << QStringLiteral("cannot listen");
}

void tst_Cli::badArguments()
{
    QFETCH(QStringList, arguments);
    QFETCH(QString, message);

    // A port that is certainly in use: this test's own listener.
    QTcpServer occupied;
    QVERIFY(occupied.listen(QHostAddress::LocalHost, 0));
    arguments.replaceInStrings(QStringLiteral("PORT_IN_USE"),
                               QString::number(occupied.serverPort()));

    QProcess process;
    QVERIFY(runToEnd(process, arguments));
    QVERIFY(process.exitCode() != 0);
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
    for (const char *option : {"--headless", "--port", "--bind", "--history", "--heartbeat",
                               "--retry", "--publish-token", "--max-clients", "--redis"})
        QVERIFY2(help.contains(option), option);
}

void tst_Cli::startServeAndStopOnSigterm()
{
    QProcess process;
    process.start(herald,
                  {QStringLiteral("--headless"), QStringLiteral("--port"), QStringLiteral("0")});
    QVERIFY(process.waitForStarted());

    // The first stdout line names the URL; with --port 0 it is the only way to know the port.
    QByteArray out;
    QTRY_VERIFY_WITH_TIMEOUT((out += process.readAllStandardOutput()).contains('\n'), 10000);
    const QRegularExpressionMatch match
        = QRegularExpression(QStringLiteral("serving on http://127.0.0.1:(\\d+)/"))
              .match(QString::fromUtf8(out));
    QVERIFY2(match.hasMatch(), out.constData());
    const quint16 port = quint16(match.captured(1).toUInt());

    RawHttpClient client(port);
    QVERIFY(client.connectToServer());
    client.get("/events");
    QVERIFY(client.waitForHead());
    QCOMPARE(publishJson(port, R"({"data":"before the end"})").status, 202);
    QVERIFY(client.waitForBodyContaining("data: before the end\n\n"));

    // SIGTERM: the stream ends cleanly (so clients reconnect elsewhere) and herald exits 0.
    QSignalSpy finished(&process, &QProcess::finished);
    ::kill(pid_t(process.processId()), SIGTERM);
    QVERIFY(client.waitForDisconnect(5000));
    QCOMPARE(client.socket().error(), QAbstractSocket::RemoteHostClosedError);
    QVERIFY(finished.wait(5000) || process.state() == QProcess::NotRunning);
    QCOMPARE(process.exitStatus(), QProcess::NormalExit);
    QCOMPARE(process.exitCode(), 0);
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
