// `herald scenario run` end to end: the built herald binary in a child process, its exit codes,
// its summary and the JUnit and JSON reports it writes.

#include "node/node.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QXmlStreamReader>

using namespace Herald;

namespace {

QString example(const char *name)
{
    return QStringLiteral(HERALD_SCENARIO_DIR "/") + QLatin1String(name);
}

struct Run
{
    int exitCode = -1;
    QString out;
    QString err;
};

// Waits by spinning the event loop: a test may serve the Herald the child talks to.
Run runHerald(const QStringList &arguments, int timeoutMs = 60000)
{
    QProcess process;
    process.setProgram(QStringLiteral(HERALD_BINARY));
    process.setArguments(arguments);
    QSignalSpy finished(&process, &QProcess::finished);
    process.start();
    Run run;
    if (!process.waitForStarted(10000) || !finished.wait(timeoutMs)) {
        process.kill();
        process.waitForFinished(5000);
        run.err = QStringLiteral("herald did not finish: ") + process.errorString();
        return run;
    }
    run.exitCode = process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -2;
    run.out = QString::fromUtf8(process.readAllStandardOutput());
    run.err = QString::fromUtf8(process.readAllStandardError());
    return run;
}

} // namespace

class tst_ScenarioCommand : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void exitCodes_data();
    void exitCodes();
    void reports();
    void againstUrl_data();
    void againstUrl();
    void timeoutOption();

private:
    QTemporaryDir m_dir;
};

void tst_ScenarioCommand::initTestCase()
{
    QVERIFY(QFile::exists(QStringLiteral(HERALD_BINARY)));
    QVERIFY(m_dir.isValid());
    QFile bad(m_dir.filePath(QStringLiteral("bad.json")));
    QVERIFY(bad.open(QIODevice::WriteOnly));
    bad.write(
        R"({"steps":[{"step":"teleport"},{"step":"expect","checks":[{"check":"no-gaps"}]}]})");
}

void tst_ScenarioCommand::exitCodes_data()
{
    QTest::addColumn<QStringList>("arguments");
    QTest::addColumn<int>("exitCode");
    QTest::addColumn<QString>("output"); // expected in stdout (codes 0, 1) or stderr (code 2)

    const QString run = QStringLiteral("run");
    QTest::newRow("passes") << QStringList{run, example("close.json")} << 0
                            << QStringLiteral("PASS close (");
    QTest::newRow("fails") << QStringList{run, example("bad-never-sends-last-event-id.json")} << 1
                           << QStringLiteral("FAIL no-gaps: 3 of 3 clients missed events");
    QTest::newRow("one of two fails")
        << QStringList{run, example("refuse-204.json"), example("bad-ignores-retry.json")} << 1
        << QStringLiteral("2 scenarios: 1 passed, 1 failed");
    QTest::newRow("help") << QStringList{QStringLiteral("--help")} << 0
                          << QStringLiteral("Usage: herald scenario run");
    QTest::newRow("no command") << QStringList{} << 2 << QStringLiteral("missing command");
    QTest::newRow("unknown command")
        << QStringList{QStringLiteral("walk")} << 2 << QStringLiteral("unknown command 'walk'");
    QTest::newRow("no file") << QStringList{run} << 2 << QStringLiteral("no scenario file given");
    QTest::newRow("unknown option")
        << QStringList{run, example("close.json"), QStringLiteral("--fast")} << 2
        << QStringLiteral("unknown option '--fast'");
    QTest::newRow("missing file") << QStringList{run, QStringLiteral("/nonexistent/x.json")} << 2
                                  << QStringLiteral("/nonexistent/x.json: cannot read");
    QTest::newRow("bad file") << QStringList{run, example("close.json"), QStringLiteral("@bad")}
                              << 2
                              << QStringLiteral(
                                     "bad.json: $.steps[0].step: unknown step \"teleport\"");
    QTest::newRow("bad timeout") << QStringList{run, example("close.json"),
                                                QStringLiteral("--timeout"), QStringLiteral("soon")}
                                 << 2 << QStringLiteral("--timeout needs a number of seconds");
    QTest::newRow("bad url") << QStringList{run, example("close.json"), QStringLiteral("--url"),
                                            QStringLiteral("ftp://x")}
                             << 2 << QStringLiteral("--url must be an http:// URL");
    QTest::newRow("zero timeout") << QStringList{run, example("close.json"),
                                                 QStringLiteral("--timeout"), QStringLiteral("0")}
                                  << 2 << QStringLiteral("above 0 and at most 86400 (got '0')");
    QTest::newRow("token without value")
        << QStringList{run, example("close.json"), QStringLiteral("--token")} << 2
        << QStringLiteral("--token needs the publish token");
    // Found out before anything runs, not after.
    QTest::newRow("report folder missing")
        << QStringList{run, example("close.json"), QStringLiteral("--junit"),
                       QStringLiteral("/nonexistent/dir/r.xml")}
        << 2 << QStringLiteral("cannot write the report to /nonexistent/dir/r.xml");
    QTest::newRow("missing value")
        << QStringList{run, example("close.json"), QStringLiteral("--junit")} << 2
        << QStringLiteral("--junit needs a file name");
    QTest::newRow("nobody at url")
        << QStringList{run, example("close.json"), QStringLiteral("--url"),
                       QStringLiteral("http://127.0.0.1:1")}
        << 1 << QStringLiteral("ERROR cannot start: no Herald at http://127.0.0.1:1/");
}

void tst_ScenarioCommand::exitCodes()
{
    QFETCH(QStringList, arguments);
    QFETCH(int, exitCode);
    QFETCH(QString, output);
    arguments.replaceInStrings(QStringLiteral("@bad"), m_dir.filePath(QStringLiteral("bad.json")));
    const Run run = runHerald(QStringList{QStringLiteral("scenario")} + arguments);
    const QString context = run.out + run.err;
    QVERIFY2(run.exitCode == exitCode,
             qPrintable(QStringLiteral("exit %1\n%2").arg(run.exitCode).arg(context)));
    const QString where = exitCode == 2 ? run.err : run.out;
    QVERIFY2(where.contains(output), qPrintable(context));
    if (exitCode == 2 && !arguments.isEmpty() && arguments.first() == QLatin1String("run"))
        QVERIFY(!run.out.contains(QLatin1String("PASS"))); // nothing ran
}

void tst_ScenarioCommand::reports()
{
    const QString junit = m_dir.filePath(QStringLiteral("out.xml"));
    const QString json = m_dir.filePath(QStringLiteral("out.json"));
    const Run run = runHerald({QStringLiteral("scenario"), QStringLiteral("run"),
                               example("cut.json"), example("bad-never-sends-last-event-id.json"),
                               QStringLiteral("--junit"), junit, QStringLiteral("--json"), json});
    QVERIFY2(run.exitCode == 1, qPrintable(run.out + run.err));

    QFile xml(junit);
    QVERIFY(xml.open(QIODevice::ReadOnly));
    QXmlStreamReader reader(&xml);
    QStringList suites;
    int cases = 0;
    int failures = 0;
    QString failureText;
    while (!reader.atEnd()) {
        reader.readNext();
        if (!reader.isStartElement())
            continue;
        if (reader.name() == QLatin1String("testsuites"))
            QCOMPARE(reader.attributes().value(QLatin1String("failures")).toInt(), 2);
        if (reader.name() == QLatin1String("testsuite"))
            suites.append(reader.attributes().value(QLatin1String("name")).toString());
        cases += int(reader.name() == QLatin1String("testcase"));
        if (reader.name() == QLatin1String("failure")) {
            ++failures;
            failureText += reader.readElementText();
        }
    }
    QVERIFY2(!reader.hasError(), qPrintable(reader.errorString()));
    QCOMPARE(suites,
             (QStringList{QStringLiteral("cut"), QStringLiteral("bad-never-sends-last-event-id")}));
    QCOMPARE(cases, 7 + 4);
    QCOMPARE(failures, 2);
    QVERIFY(failureText.contains(QLatin1String("missed 5 of the 15 events it was owed: ids 6-10")));
    QVERIFY(failureText.contains(QLatin1String("\"fault\":\"close\"")));

    QFile file(json);
    QVERIFY(file.open(QIODevice::ReadOnly));
    QJsonParseError error;
    const QJsonObject report = QJsonDocument::fromJson(file.readAll(), &error).object();
    QCOMPARE(error.error, QJsonParseError::NoError);
    const QJsonArray scenarios = report.value(QLatin1String("scenarios")).toArray();
    QCOMPARE(scenarios.size(), 2);
    QCOMPARE(scenarios[0].toObject().value(QLatin1String("verdict")).toString(),
             QStringLiteral("PASS"));
    QCOMPARE(scenarios[1].toObject().value(QLatin1String("verdict")).toString(),
             QStringLiteral("FAIL"));
    QVERIFY(scenarios[1].toObject().value(QLatin1String("asDocumented")).toBool());
    QCOMPARE(scenarios[1].toObject().value(QLatin1String("clients")).toArray().size(), 3);
}

void tst_ScenarioCommand::againstUrl_data()
{
    QTest::addColumn<QByteArray>("serverToken");
    QTest::addColumn<QStringList>("tokenArguments");
    QTest::addColumn<int>("exitCode");
    QTest::addColumn<int>("faultsApplied");

    QTest::newRow("open server") << QByteArray() << QStringList{} << 0 << 1;
    QTest::newRow("token given") << QByteArray("s3cret")
                                 << QStringList{QStringLiteral("--token"), QStringLiteral("s3cret")}
                                 << 0 << 1;
    // Without it every publish and the fault are refused, and the verdict says so.
    QTest::newRow("token missing") << QByteArray("s3cret") << QStringList{} << 1 << 0;
}

void tst_ScenarioCommand::againstUrl()
{
    QFETCH(QByteArray, serverToken);
    QFETCH(QStringList, tokenArguments);
    QFETCH(int, exitCode);
    QFETCH(int, faultsApplied);

    NodeConfig config;
    config.port = 0;
    config.broadcast.workers = 1;
    config.broadcast.retryMs = 300;
    config.http.publishToken = serverToken;
    Node node(config);
    QString error;
    QVERIFY2(node.start(&error), qPrintable(error));
    const Run run = runHerald(QStringList{QStringLiteral("scenario"), QStringLiteral("run"),
                                          example("drop-after-events.json"),
                                          QStringLiteral("--url"), node.url().toString()}
                              + tokenArguments);
    QVERIFY2(run.exitCode == exitCode, qPrintable(run.out + run.err));
    QVERIFY(run.out.contains(QLatin1String("\"server\" settings were ignored")));
    if (exitCode != 0)
        QVERIFY2(run.out.contains(QLatin1String("HTTP 401")), qPrintable(run.out + run.err));
    // The faults went through this server's API.
    QCOMPARE(node.faults()->log().size(), faultsApplied);
}

void tst_ScenarioCommand::timeoutOption()
{
    QFile slow(m_dir.filePath(QStringLiteral("slow.json")));
    QVERIFY(slow.open(QIODevice::WriteOnly));
    slow.write(
        R"({"steps":[{"step":"wait","ms":30000},{"step":"expect","checks":[{"check":"client-count","equals":0}]}]})");
    slow.close();
    QElapsedTimer timer;
    timer.start();
    const Run run = runHerald({QStringLiteral("scenario"), QStringLiteral("run"), slow.fileName(),
                               QStringLiteral("--timeout"), QStringLiteral("1")});
    QVERIFY2(run.exitCode == 1, qPrintable(run.out + run.err));
    QVERIFY(timer.elapsed() < 15000);
    QVERIFY2(run.out.contains(QLatin1String("timed out after 1 s in step 1")), qPrintable(run.out));
}

QTEST_GUILESS_MAIN(tst_ScenarioCommand)
#include "tst_scenariocommand.moc"
