// Scenario files: strict parsing with JSON paths in the errors, checks that can fail, every
// shipped example with the verdict it documents (in process and against a running Herald), the
// scenario deadline and the reports.

#include "node/node.h"
#include "scenario/expectationchecker.h"
#include "scenario/scenario.h"
#include "scenario/scenarioreport.h"
#include "scenario/scenariorunner.h"

#include <QDir>
#include <QJsonArray>
#include <QJsonDocument>
#include <QTest>
#include <QXmlStreamReader>

using namespace Herald;

namespace {

QString scenarioDir()
{
    return QStringLiteral(HERALD_SCENARIO_DIR);
}

// A log of one good client that got ids 1..n on topic "t" over one connection.
ClientLog cleanLog(const QString &name, int n, qint64 openedAt)
{
    ClientLog log;
    log.name = name;
    log.group = QStringLiteral("g");
    log.topics = {QStringLiteral("t")};
    ClientLog::Attempt attempt;
    attempt.index = 1;
    attempt.atMs = openedAt;
    attempt.status = 200;
    attempt.opened = true;
    attempt.openedAtMs = openedAt;
    log.attempts.push_back(attempt);
    for (int id = 1; id <= n; ++id) {
        ClientLog::Event event;
        event.id = QByteArray::number(id);
        event.data = "x";
        event.connection = 1;
        event.receivedAtMs = openedAt + 10 * id + 1;
        event.publishedAtMs = openedAt + 10 * id;
        log.events.push_back(event);
    }
    return log;
}

// The log above with a disconnect after event `after` and a resume `delay` ms later.
void reconnect(ClientLog &log, int after, int delay, const QByteArray &sentId, int retry)
{
    const qint64 at = log.events[size_t(after - 1)].receivedAtMs + 1;
    ClientLog::Disconnect gone;
    gone.atMs = at;
    gone.connection = 1;
    gone.wasOpen = true;
    gone.reason = QStringLiteral("connection closed by the server");
    gone.lastEventId = QByteArray::number(after);
    gone.retryMs = retry;
    log.disconnects.push_back(gone);
    ClientLog::Attempt attempt;
    attempt.index = 2;
    attempt.atMs = at + delay;
    attempt.sentLastEventId = !sentId.isEmpty();
    attempt.lastEventIdSent = sentId;
    attempt.status = 200;
    attempt.replay = "full";
    attempt.opened = true;
    attempt.openedAtMs = at + delay;
    log.attempts.push_back(attempt);
    for (size_t i = size_t(after); i < log.events.size(); ++i) {
        log.events[i].connection = 2;
        log.events[i].receivedAtMs = std::max(log.events[i].receivedAtMs, attempt.atMs + 1);
    }
}

// The logs are pointed to, not copied: they must outlive the record.
RunRecord recordOf(const std::vector<const ClientLog *> &logs, int published, qint64 start)
{
    RunRecord record;
    record.startedAtMs = start;
    record.nowMs = start + 100000;
    for (int id = 1; id <= published; ++id)
        record.published.push_back({id, QStringLiteral("t"), id, start + 10 * id, start + 10 * id});
    record.clients = logs;
    record.faultLog.append(QJsonObject{{QStringLiteral("fault"), QStringLiteral("close")},
                                       {QStringLiteral("atMs"), double(start + 50)}});
    return record;
}

Expectation expectation(Expectation::Kind kind)
{
    Expectation check;
    check.kind = kind;
    check.name = Expectation::kindName(kind);
    return check;
}

} // namespace

class tst_Scenarios : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void parseErrors_data();
    void parseErrors();
    void parseDefaults();
    void everyExampleParses();

    void checksCanFail();

    void examples_data();
    void examples();
    void againstRunningHerald_data();
    void againstRunningHerald();
    void deadline();
    void stepErrorsFail();
    void reports();
};

void tst_Scenarios::parseErrors_data()
{
    QTest::addColumn<QByteArray>("json");
    QTest::addColumn<QString>("error");

    const QByteArray expect = R"({"step":"expect","checks":[{"check":"no-gaps"}]})";
    auto steps = [&](const QByteArray &inner) {
        return "{\"steps\":[" + inner + "," + expect + "]}";
    };

    QTest::newRow("not JSON") << QByteArray("{\n  \"steps\": [\n  }")
                              << QStringLiteral("f.json: $: not valid JSON at line 3");
    QTest::newRow("not an object")
        << QByteArray("[]") << QStringLiteral("$: a scenario is a JSON object");
    QTest::newRow("no steps") << QByteArray("{}") << QStringLiteral("$: missing field \"steps\"");
    QTest::newRow("unknown top-level field")
        << QByteArray(R"({"stpes":[]})") << QStringLiteral("$.stpes: unknown field");
    QTest::newRow("no expect step")
        << QByteArray(R"({"steps":[{"step":"wait","ms":1}]})") << QStringLiteral("no expect step");
    QTest::newRow("unknown step") << steps(R"({"step":"publsh"})")
                                  << QStringLiteral("$.steps[0].step: unknown step \"publsh\"");
    QTest::newRow("step without kind")
        << steps(R"({"count":1})") << QStringLiteral("$.steps[0]: missing field \"step\"");
    QTest::newRow("wrong type")
        << steps(R"({"step":"start","count":"five"})")
        << QStringLiteral("$.steps[0].count: must be a whole number from 1 to 5000 (got a string)");
    QTest::newRow("out of range") << steps(R"({"step":"start","count":0})")
                                  << QStringLiteral("$.steps[0].count: must be a whole number");
    QTest::newRow("unknown client kind")
        << steps(R"({"step":"start","kind":"rude"})")
        << QStringLiteral("$.steps[0].kind: unknown value \"rude\"");
    QTest::newRow("bad topic") << steps(R"({"step":"start","topics":["a b"]})")
                               << QStringLiteral("$.steps[0].topics[0]: not a topic name");
    QTest::newRow("delay for a good client")
        << steps(R"({"step":"start","delayMs":5})")
        << QStringLiteral("$.steps[0].delayMs: only an ignores-retry client");
    QTest::newRow("unknown fault kind")
        << steps(R"({"step":"fault","fault":"explode"})")
        << QStringLiteral("$.steps[0].fault: unknown fault kind \"explode\"; one of: close, reset");
    QTest::newRow("fault without kind")
        << steps(R"({"step":"fault"})") << QStringLiteral("$.steps[0]: missing field \"fault\"");
    QTest::newRow("drip without rate")
        << steps(R"({"step":"fault","fault":"drip"})")
        << QStringLiteral("$.steps[0]: drip needs \"bytesPerSecond\"");
    QTest::newRow("refuse with a bad status")
        << steps(R"({"step":"fault","fault":"refuse","status":404})")
        << QStringLiteral("$.steps[0]: refuse takes \"status\" 500, 503 or 204");
    QTest::newRow("unknown fault field") << steps(R"({"step":"fault","fault":"close","evnts":2})")
                                         << QStringLiteral("$.steps[0].evnts: unknown field");
    QTest::newRow("group never started")
        << steps(R"({"step":"fault","fault":"close","group":"ghosts"})")
        << QStringLiteral("$.steps[0].group: no start step before this one makes group \"ghosts\"");
    QTest::newRow("refuse on a group")
        << steps(R"({"step":"start","group":"a"},{"step":"fault","fault":"refuse","group":"a"})")
        << QStringLiteral("$.steps[1]: refuse acts on the server");
    QTest::newRow("unknown client name") << steps(
        R"({"step":"start","group":"a","count":2},{"step":"wait","until":"connected","clients":["a-3"]})")
                                         << QStringLiteral(
                                                "$.steps[1].clients[0]: no client named \"a-3\"");
    QTest::newRow("wait with both") << steps(R"({"step":"wait","ms":5,"until":"connected"})")
                                    << QStringLiteral("$.steps[0]: a wait step has either");
    QTest::newRow("wait for nothing")
        << steps(R"({"step":"wait"})") << QStringLiteral("$.steps[0]: a wait step has either");
    QTest::newRow("unknown condition")
        << steps(R"({"step":"wait","until":"sunrise"})")
        << QStringLiteral("$.steps[0].until: unknown value \"sunrise\"");
    QTest::newRow("condition without count")
        << steps(R"({"step":"wait","until":"received"})")
        << QStringLiteral("$.steps[0]: missing field \"count\" (until received)");
    QTest::newRow("duration without rate")
        << steps(R"({"step":"publish","durationMs":100})")
        << QStringLiteral("$.steps[0]: \"durationMs\" needs a \"rate\"");
    QTest::newRow("bad event type") << steps(R"({"step":"publish","event":"a\nb"})")
                                    << QStringLiteral("$.steps[0].event: an event type");
    QTest::newRow("background is a boolean")
        << steps(R"({"step":"publish","background":"yes"})")
        << QStringLiteral("$.steps[0].background: must be true or false");
    QTest::newRow("unknown check")
        << QByteArray(R"({"steps":[{"step":"expect","checks":[{"check":"no-gap"}]}]})")
        << QStringLiteral("$.steps[0].checks[0].check: unknown check \"no-gap\"");
    QTest::newRow("check missing field")
        << QByteArray(R"({"steps":[{"step":"expect","checks":[{"check":"latency"}]}]})")
        << QStringLiteral("$.steps[0].checks[0]: missing field \"belowMs\"");
    QTest::newRow("replay value") << QByteArray(
        R"({"steps":[{"step":"expect","checks":[{"check":"replay","value":"some"}]}]})")
                                  << QStringLiteral(
                                         "$.steps[0].checks[0].value: unknown value \"some\"");
    QTest::newRow("empty checks") << QByteArray(R"({"steps":[{"step":"expect","checks":[]}]})")
                                  << QStringLiteral("$.steps[0].checks: must be a non-empty array");
    QTest::newRow("bounds") << QByteArray(
        R"({"steps":[{"step":"expect","checks":[{"check":"received"}]}]})")
                            << QStringLiteral("give \"atLeast\", \"atMost\" or both");
    QTest::newRow("duplicate check name") << QByteArray(
        R"({"steps":[{"step":"expect","checks":[{"check":"no-gaps","name":"x"},{"check":"in-order","name":"x"}]}]})")
                                          << QStringLiteral("$.steps[0].checks[1].name: another "
                                                            "check is already named \"x\"");
    QTest::newRow("failing on a passing scenario")
        << QByteArray(R"({"failing":["no-gaps"],"steps":[)" + expect + "]}")
        << QStringLiteral("$.failing: only a scenario with \"expect\": \"fail\"");
    QTest::newRow("failing names a missing check")
        << QByteArray(R"({"expect":"fail","failing":["no-gapz"],"steps":[)" + expect + "]}")
        << QStringLiteral("$.failing[0]: no check is named \"no-gapz\"");
    QTest::newRow("expect value") << QByteArray(R"({"expect":"maybe","steps":[)" + expect + "]}")
                                  << QStringLiteral("$.expect: unknown value \"maybe\"");
    QTest::newRow("server field") << QByteArray(R"({"server":{"retry":5},"steps":[)" + expect
                                                + "]}")
                                  << QStringLiteral("$.server.retry: unknown field");
    QTest::newRow("timeout") << QByteArray(R"({"timeoutSeconds":0,"steps":[)" + expect + "]}")
                             << QStringLiteral("$.timeoutSeconds: must be a number from 1 to 3600");
}

void tst_Scenarios::parseErrors()
{
    QFETCH(QByteArray, json);
    QFETCH(QString, error);
    QString message;
    const std::optional<Scenario> scenario
        = Scenario::fromJson(json, QStringLiteral("f.json"), &message);
    QVERIFY(!scenario);
    QVERIFY2(message.startsWith(QLatin1String("f.json: $")), qPrintable(message));
    QVERIFY2(message.contains(error), qPrintable(message));
}

void tst_Scenarios::parseDefaults()
{
    QString error;
    const std::optional<Scenario> scenario = Scenario::fromJson(
        R"({"comment":"x","steps":[
             {"step":"start"},
             {"step":"publish","rate":10,"durationMs":1500},
             {"step":"fault","fault":"drip","bytesPerSecond":5,"repeat":2},
             {"step":"wait","until":"opens","count":2},
             {"step":"expect","checks":[{"check":"no-gaps"},{"check":"no-gaps"},
                                        {"check":"reconnects","atLeast":1,"group":"clients"}]}]})",
        QStringLiteral("dir/my-scenario.json"), &error);
    QVERIFY2(scenario, qPrintable(error));
    QCOMPARE(scenario->name, QStringLiteral("my-scenario"));
    QVERIFY(scenario->expectPass);
    QCOMPARE(scenario->timeoutMs, 60000);
    const ScenarioStep &start = scenario->steps[0];
    QCOMPARE(start.clients, 1);
    QCOMPARE(start.group, QStringLiteral("clients"));
    QCOMPARE(start.topics, QStringList{QStringLiteral("default")});
    QCOMPARE(start.behaviour, VirtualClient::Behaviour::Good);
    QCOMPARE(scenario->steps[1].count, 15);
    QCOMPARE(scenario->steps[1].topic, QStringLiteral("default"));
    QCOMPARE(scenario->steps[2].repeat, 2);
    QCOMPARE(scenario->steps[2].fault.value(QLatin1String("bytesPerSecond")).toInt(), 5);
    QCOMPARE(scenario->steps[3].timeoutMs, 10000);
    const auto checks = scenario->expectations();
    QCOMPARE(checks.size(), size_t(3));
    QCOMPARE(checks[0]->name, QStringLiteral("no-gaps"));
    QCOMPARE(checks[1]->name, QStringLiteral("no-gaps #2"));
    QCOMPARE(checks[2]->name, QStringLiteral("reconnects (group clients)"));
}

void tst_Scenarios::everyExampleParses()
{
    const QStringList files = QDir(scenarioDir()).entryList({QStringLiteral("*.json")});
    QVERIFY(files.size() >= 12);
    int failing = 0;
    QSet<QString> faults;
    for (const QString &file : files) {
        QString error;
        const std::optional<Scenario> scenario
            = Scenario::load(scenarioDir() + u'/' + file, &error);
        QVERIFY2(scenario, qPrintable(error));
        QVERIFY2(!scenario->description.isEmpty(), qPrintable(file));
        failing += int(!scenario->expectPass);
        for (const ScenarioStep &step : scenario->steps) {
            if (step.kind == ScenarioStep::Kind::Fault) {
                QString name = step.fault.value(QLatin1String("fault")).toString();
                if (name == QLatin1String("refuse"))
                    name += QString::number(step.fault.value(QLatin1String("status")).toInt(503));
                faults.insert(name);
            }
        }
    }
    QVERIFY(failing >= 2);
    // Every client fault, and refusals both ways.
    for (const char *name :
         {"close", "reset", "stall", "resume", "drip", "cut", "drop-after-events",
          "drop-after-time", "retry-then-close", "refuse503", "refuse204"})
        QVERIFY2(faults.contains(QLatin1String(name)), name);
}

void tst_Scenarios::checksCanFail()
{
    const qint64 t0 = 1700000000000;
    RunRecord record;

    // Gaps: the client resumed without Last-Event-ID and lost 4..5.
    {
        ClientLog good = cleanLog(QStringLiteral("good"), 8, t0);
        ClientLog lossy = cleanLog(QStringLiteral("lossy"), 8, t0);
        reconnect(lossy, 3, 300, {}, 300);
        lossy.events.erase(lossy.events.begin() + 3, lossy.events.begin() + 5);
        record = recordOf({&good, &lossy}, 8, t0);
        const CheckResult gaps
            = ExpectationChecker::check(expectation(Expectation::Kind::NoGaps), record);
        QVERIFY(!gaps.passed);
        QVERIFY2(gaps.summary.contains(QLatin1String("lossy (2)")), qPrintable(gaps.summary));
        QVERIFY2(gaps.evidence.join(u'\n').contains(QLatin1String("ids 4-5")),
                 qPrintable(gaps.evidence.join(u'\n')));
        QVERIFY(gaps.evidence.join(u'\n').contains(QLatin1String("sending no Last-Event-ID")));
        QCOMPARE(gaps.faults.size(), 1); // the close fault logged near it
        const CheckResult lastId
            = ExpectationChecker::check(expectation(Expectation::Kind::LastEventId), record);
        QVERIFY(!lastId.passed);
        QVERIFY(lastId.evidence.join(u'\n').contains(
            QLatin1String("the last event it had received was \"3\"")));

        // The same run without the loss passes both.
        ClientLog fine = cleanLog(QStringLiteral("fine"), 8, t0);
        reconnect(fine, 3, 300, "3", 300);
        record = recordOf({&good, &fine}, 8, t0);
        QVERIFY(ExpectationChecker::check(expectation(Expectation::Kind::NoGaps), record).passed);
        QVERIFY(
            ExpectationChecker::check(expectation(Expectation::Kind::LastEventId), record).passed);
        QVERIFY(
            ExpectationChecker::check(expectation(Expectation::Kind::NoDuplicates), record).passed);
        QVERIFY(ExpectationChecker::check(expectation(Expectation::Kind::InOrder), record).passed);
        Expectation replay = expectation(Expectation::Kind::Replay);
        replay.replay = "full";
        QVERIFY(ExpectationChecker::check(replay, record).passed);
        replay.replay = "gap";
        QVERIFY(!ExpectationChecker::check(replay, record).passed);
    }

    // Duplicates and order.
    {
        ClientLog twice = cleanLog(QStringLiteral("twice"), 5, t0);
        twice.events.push_back(twice.events[2]);
        record = recordOf({&twice}, 5, t0);
        const CheckResult dup
            = ExpectationChecker::check(expectation(Expectation::Kind::NoDuplicates), record);
        QVERIFY(!dup.passed);
        QVERIFY(dup.evidence.join(u'\n').contains(QLatin1String("twice got id 3 2 times")));
        QVERIFY(!ExpectationChecker::check(expectation(Expectation::Kind::InOrder), record).passed);
    }

    // Reconnection timing: too early, too late, never.
    {
        ClientLog early = cleanLog(QStringLiteral("early"), 5, t0);
        reconnect(early, 2, 10, "2", 1000);
        ClientLog onTime = cleanLog(QStringLiteral("on-time"), 5, t0);
        reconnect(onTime, 2, 1010, "2", 1000);
        ClientLog late = cleanLog(QStringLiteral("late"), 5, t0);
        reconnect(late, 2, 5000, "2", 1000);
        record = recordOf({&early, &onTime, &late}, 5, t0);
        Expectation timing = expectation(Expectation::Kind::ReconnectTiming);
        timing.toleranceMs = 500;
        const CheckResult result = ExpectationChecker::check(timing, record);
        QVERIFY(!result.passed);
        QVERIFY2(result.summary.contains(QLatin1String("early (1), late (1)")),
                 qPrintable(result.summary));
        QVERIFY(!result.summary.contains(QLatin1String("on-time")));
        timing.clients.kind = ClientSelection::Kind::Names;
        timing.clients.names = {QStringLiteral("on-time")};
        QVERIFY(ExpectationChecker::check(timing, record).passed);

        ClientLog never = cleanLog(QStringLiteral("never"), 5, t0);
        reconnect(never, 2, 100, "2", 100);
        never.attempts.pop_back();
        record = recordOf({&never}, 5, t0);
        timing.clients = ClientSelection();
        QVERIFY(ExpectationChecker::check(timing, record).summary.contains(QLatin1String("never")));
        // And with no disconnect at all there is nothing to vouch for.
        ClientLog calm = cleanLog(QStringLiteral("calm"), 5, t0);
        record = recordOf({&calm}, 5, t0);
        QVERIFY(!ExpectationChecker::check(timing, record).passed);
        QVERIFY(
            !ExpectationChecker::check(expectation(Expectation::Kind::LastEventId), record).passed);
    }

    // Stopped, count, latency, counts.
    {
        ClientLog stopped = cleanLog(QStringLiteral("stopped"), 3, t0);
        stopped.failed = true;
        stopped.failReason = QStringLiteral("HTTP status 204");
        stopped.attempts.back().status = 204;
        ClientLog running = cleanLog(QStringLiteral("running"), 3, t0);
        record = recordOf({&stopped, &running}, 3, t0);
        record.serverClientCount = 1;
        Expectation stop = expectation(Expectation::Kind::ClientStopped);
        stop.status = 204;
        const CheckResult result = ExpectationChecker::check(stop, record);
        QVERIFY(!result.passed);
        QVERIFY(result.summary.contains(QLatin1String("running")));
        QVERIFY(!result.summary.contains(QLatin1String("stopped,")));
        stop.clients.kind = ClientSelection::Kind::Names;
        stop.clients.names = {QStringLiteral("stopped")};
        QVERIFY(ExpectationChecker::check(stop, record).passed);
        stop.status = 503;
        QVERIFY(!ExpectationChecker::check(stop, record).passed);

        Expectation count = expectation(Expectation::Kind::ClientCount);
        count.equals = 1;
        QVERIFY(ExpectationChecker::check(count, record).passed);
        count.equals = 0;
        QVERIFY(!ExpectationChecker::check(count, record).passed);

        Expectation latency = expectation(Expectation::Kind::Latency);
        latency.belowMs = 2;
        QVERIFY(ExpectationChecker::check(latency, record).passed); // every latency is 1 ms
        latency.belowMs = 1;
        QVERIFY(!ExpectationChecker::check(latency, record).passed);
        running.events[1].publishedAtMs = -1; // no timestamp: not counted
        for (ClientLog *log : {&stopped, &running})
            for (ClientLog::Event &event : log->events)
                event.publishedAtMs = -1;
        QVERIFY(ExpectationChecker::check(latency, record)
                    .summary.contains(QLatin1String("nothing to check")));

        Expectation received = expectation(Expectation::Kind::Received);
        received.atLeast = 3;
        QVERIFY(ExpectationChecker::check(received, record).passed);
        received.atLeast = 4;
        QVERIFY(!ExpectationChecker::check(received, record).passed);
        Expectation reconnects = expectation(Expectation::Kind::Reconnects);
        reconnects.atLeast = 1;
        QVERIFY(!ExpectationChecker::check(reconnects, record).passed);
    }

    QCOMPARE(ExpectationChecker::idRanges({7, 1, 2, 3, 5}), QStringLiteral("1-3, 5, 7"));
    QCOMPARE(ExpectationChecker::percentile({5, 1, 4, 2, 3}, 50), qint64(3));
    QCOMPARE(ExpectationChecker::percentile({5, 1, 4, 2, 3}, 99), qint64(5));
    QCOMPARE(ExpectationChecker::percentile({}, 99), qint64(-1));
}

void tst_Scenarios::examples_data()
{
    QTest::addColumn<QString>("file");
    for (const QString &file : QDir(scenarioDir()).entryList({QStringLiteral("*.json")}))
        QTest::newRow(qPrintable(file)) << scenarioDir() + u'/' + file;
}

void tst_Scenarios::examples()
{
    QFETCH(QString, file);
    QString error;
    const std::optional<Scenario> scenario = Scenario::load(file, &error);
    QVERIFY2(scenario, qPrintable(error));
    ScenarioRunner runner;
    const ScenarioResult result = runner.run(*scenario);
    const QString report = ScenarioReport::text({result}, true);
    QVERIFY2(result.errors.isEmpty() || !scenario->expectPass, qPrintable(report));
    QVERIFY2(result.passed == scenario->expectPass, qPrintable(report));
    // A scenario documented to fail must fail for the documented reasons, not any.
    QVERIFY2(result.asDocumented(), qPrintable(report));
    QVERIFY(!result.timedOut);
}

void tst_Scenarios::againstRunningHerald_data()
{
    QTest::addColumn<QString>("file");
    QTest::newRow("close") << QStringLiteral("close.json");
    QTest::newRow("refuse-204") << QStringLiteral("refuse-204.json");
    QTest::newRow("bad-never-sends-last-event-id")
        << QStringLiteral("bad-never-sends-last-event-id.json");
}

void tst_Scenarios::againstRunningHerald()
{
    QFETCH(QString, file);
    // A Herald of its own, as `herald --headless --retry 400` would be: the runner drives it
    // over HTTP only (POST /publish, POST /faults, GET /clients, GET /faults).
    NodeConfig config;
    config.port = 0;
    config.broadcast.workers = 1;
    config.broadcast.retryMs = 400;
    Node node(config);
    QString error;
    QVERIFY2(node.start(&error), qPrintable(error));

    const std::optional<Scenario> scenario = Scenario::load(scenarioDir() + u'/' + file, &error);
    QVERIFY2(scenario, qPrintable(error));
    ScenarioRunner runner;
    ScenarioRunner::Options options;
    options.url = node.url();
    const ScenarioResult result = runner.run(*scenario, options);
    const QString report = ScenarioReport::text({result}, true);
    QVERIFY2(result.asDocumented(), qPrintable(report));
    QCOMPARE(result.target, node.url().toString());
    QVERIFY(result.notes.join(u'\n').contains(QLatin1String("\"server\" settings were ignored")));
    QVERIFY(!result.faultLog.isEmpty());
    QCOMPARE(node.faults()->log().size(), result.faultLog.size());
}

void tst_Scenarios::deadline()
{
    QString error;
    const std::optional<Scenario> scenario = Scenario::fromJson(
        R"({"name":"slow","steps":[
             {"step":"start","count":2},
             {"step":"wait","ms":20000},
             {"step":"expect","checks":[{"check":"no-gaps"},{"check":"client-count","equals":2}]}]})",
        QStringLiteral("slow.json"), &error);
    QVERIFY2(scenario, qPrintable(error));
    ScenarioRunner runner;
    ScenarioRunner::Options options;
    options.timeoutMs = 500;
    QElapsedTimer timer;
    timer.start();
    const ScenarioResult result = runner.run(*scenario, options);
    QVERIFY2(timer.elapsed() < 3000, qPrintable(QString::number(timer.elapsed())));
    QVERIFY(result.timedOut);
    QVERIFY(!result.passed);
    QVERIFY(result.errors.join(u'\n').contains(
        QLatin1String("timed out after 0.5 s in step 2 (wait 20000 ms)")));
    QCOMPARE(result.checks.size(), size_t(2));
    for (const CheckResult &check : result.checks) {
        QVERIFY(!check.passed);
        QVERIFY(!check.evaluated);
    }
    for (const auto &client : runner.clients())
        QCOMPARE(client->state(), VirtualClient::State::Stopped);
}

void tst_Scenarios::stepErrorsFail()
{
    // A fault the server cannot carry out (no relay in process) makes the run FAIL even when
    // every check passes.
    QString error;
    const std::optional<Scenario> scenario = Scenario::fromJson(
        R"({"steps":[{"step":"start"},{"step":"wait","until":"connected","timeoutMs":5000},
             {"step":"fault","fault":"pause-relay"},
             {"step":"publish"},{"step":"wait","until":"caught-up","timeoutMs":5000},
             {"step":"expect","checks":[{"check":"received","atLeast":1}]}]})",
        QStringLiteral("relay.json"), &error);
    QVERIFY2(scenario, qPrintable(error));
    ScenarioRunner runner;
    const ScenarioResult result = runner.run(*scenario);
    QVERIFY(!result.passed);
    QVERIFY(result.checks.front().passed);
    QVERIFY2(result.errors.join(u'\n').contains(QLatin1String("$.steps[2]")),
             qPrintable(result.errors.join(u'\n')));
    QVERIFY(result.errors.join(u'\n').contains(QLatin1String("relay")));
}

void tst_Scenarios::reports()
{
    ScenarioResult pass;
    pass.name = QStringLiteral("a & b");
    pass.file = QStringLiteral("a.json");
    pass.passed = true;
    pass.checks.push_back({QStringLiteral("no-gaps"),
                           QStringLiteral("no-gaps"),
                           QStringLiteral("$.steps[1].checks[0]"),
                           true,
                           true,
                           QStringLiteral("fine"),
                           {},
                           {}});
    ScenarioResult fail;
    fail.name = QStringLiteral("b");
    fail.file = QStringLiteral("b.json");
    fail.errors.append(QStringLiteral("$.steps[0] (x): <broken>"));
    fail.checks.push_back(
        {QStringLiteral("last-event-id"),
         QStringLiteral("last-event-id"),
         QStringLiteral("$.steps[2].checks[0]"),
         false,
         true,
         QStringLiteral("wrong \"id\""),
         {QStringLiteral("c-1 sent none")},
         QJsonArray{QJsonObject{{QStringLiteral("fault"), QStringLiteral("close")}}}});

    const QByteArray xml = ScenarioReport::junit({pass, fail});
    QXmlStreamReader reader(xml);
    int suites = 0;
    int cases = 0;
    int failures = 0;
    QString failureText;
    while (!reader.atEnd()) {
        reader.readNext();
        if (!reader.isStartElement())
            continue;
        suites += int(reader.name() == QLatin1String("testsuite"));
        cases += int(reader.name() == QLatin1String("testcase"));
        if (reader.name() == QLatin1String("failure")) {
            ++failures;
            failureText += reader.readElementText();
        }
    }
    QVERIFY2(!reader.hasError(), qPrintable(reader.errorString()));
    QCOMPARE(suites, 2);
    QCOMPARE(cases, 3); // two checks and the step errors
    QCOMPARE(failures, 2);
    QVERIFY(failureText.contains(QLatin1String("c-1 sent none")));
    QVERIFY(failureText.contains(QLatin1String("\"fault\":\"close\"")));

    const QJsonObject json = QJsonDocument::fromJson(ScenarioReport::json({pass, fail})).object();
    QCOMPARE(json.value(QLatin1String("passed")).toInt(), 1);
    QCOMPARE(json.value(QLatin1String("failed")).toInt(), 1);
    const QJsonObject second = json.value(QLatin1String("scenarios")).toArray().at(1).toObject();
    QCOMPARE(second.value(QLatin1String("verdict")).toString(), QStringLiteral("FAIL"));
    QCOMPARE(second.value(QLatin1String("checks"))
                 .toArray()
                 .at(0)
                 .toObject()
                 .value(QLatin1String("evidence"))
                 .toArray()
                 .size(),
             1);

    const QString text = ScenarioReport::text({pass, fail});
    QVERIFY(text.contains(QLatin1String("PASS a & b (a.json)")));
    QVERIFY(text.contains(QLatin1String("FAIL last-event-id: wrong \"id\"")));
    QVERIFY(text.contains(QLatin1String("2 scenarios: 1 passed, 1 failed")));
}

QTEST_GUILESS_MAIN(tst_Scenarios)
#include "tst_scenarios.moc"
