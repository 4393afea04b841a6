#include "scenario/scenariorunner.h"

#include "logging.h"
#include "scenario/expectationchecker.h"
#include "scenario/localtarget.h"
#include "scenario/remotetarget.h"

#include <QDateTime>
#include <QJsonDocument>
#include <QSet>
#include <QUrlQuery>

namespace Herald {

namespace {

qint64 nowMs()
{
    return QDateTime::currentMSecsSinceEpoch();
}

QString compact(const QJsonObject &object)
{
    return QString::fromUtf8(QJsonDocument(object).toJson(QJsonDocument::Compact));
}

// Faults logged before the run started belong to someone else (a shared server).
constexpr qint64 FaultLogSlackMs = 1000;

} // namespace

// A publish or fault step in progress, in the foreground or the background.
struct ScenarioRunner::Job
{
    const ScenarioStep *step = nullptr;
    int done = 0; // events published, or fault repetitions made
    int reached = 0; // fault repetitions that reached at least one stream
    qint64 startedMs = 0;
    bool finished = false;
};

ScenarioRunner::ScenarioRunner(QObject *parent)
    : QObject(parent)
{
    m_deadline.setSingleShot(true);
    connect(&m_deadline, &QTimer::timeout, this, &ScenarioRunner::onDeadline);
    connect(&m_pollTimer, &QTimer::timeout, this, &ScenarioRunner::pollWait);
}

ScenarioRunner::~ScenarioRunner()
{
    m_clients.clear();
    m_target.reset();
}

qint64 ScenarioRunner::elapsedMs() const
{
    return nowMs() - m_record.startedAtMs;
}

void ScenarioRunner::addLog(const QString &line)
{
    const QString stamped
        = QStringLiteral("+%1 s  %2").arg(double(elapsedMs()) / 1000.0, 7, 'f', 3).arg(line);
    m_result.log.append(stamped);
    qCInfo(lcScenario).noquote() << m_result.name << stamped;
}

void ScenarioRunner::addError(const ScenarioStep &step, const QString &error)
{
    const QString text = QStringLiteral("%1 (%2): %3").arg(step.path, step.label, error);
    m_result.errors.append(text);
    addLog(QStringLiteral("ERROR ") + text);
}

ScenarioResult ScenarioRunner::run(const Scenario &scenario)
{
    return run(scenario, Options());
}

ScenarioResult ScenarioRunner::run(const Scenario &scenario, const Options &options)
{
    ++m_run;
    m_scenario = &scenario;
    m_options = options;
    m_target.reset();
    m_clients.clear();
    m_groupCounters.clear();
    m_jobs.clear();
    m_record = RunRecord();
    m_result = ScenarioResult();
    m_waiting = nullptr;
    m_countInFlight = false;
    m_lastCount = -1;
    m_stepIndex = -1;
    m_nextSeq = 0;
    m_finishing = false;
    m_done = false;

    m_result.name = scenario.name;
    m_result.file = scenario.file;
    m_result.description = scenario.description;
    m_result.expectPass = scenario.expectPass;
    m_result.expectedFailing = scenario.expectedFailing;
    m_record.startedAtMs = m_result.startedAtMs = nowMs();

    if (options.url.isEmpty()) {
        m_target = std::make_unique<LocalTarget>(scenario.server);
    } else {
        m_target = std::make_unique<RemoteTarget>(options.url, options.token);
        const Scenario::Server &server = scenario.server;
        if (server.retryMs || server.historySize || server.heartbeatMs || server.maxQueueBytes
            || server.maxClients || server.workers)
            m_result.notes.append(QStringLiteral("the \"server\" settings were ignored: the "
                                                 "scenario ran against %1")
                                      .arg(options.url.toString()));
    }
    QString error;
    if (!m_target->start(&error)) {
        m_result.errors.append(QStringLiteral("cannot start: ") + error);
        m_target.reset();
        finish();
        return m_result;
    }
    m_result.target = m_target->url().toString();
    addLog(QStringLiteral("scenario %1 against %2").arg(scenario.name, m_result.target));

    m_deadline.start(options.timeoutMs > 0 ? options.timeoutMs : scenario.timeoutMs);
    const quint64 run = m_run;
    QTimer::singleShot(0, this, [this, run] {
        if (run == m_run)
            nextStep();
    });
    if (!m_done)
        m_loop.exec();
    return m_result;
}

void ScenarioRunner::nextStep()
{
    if (m_finishing)
        return;
    ++m_stepIndex;
    if (m_stepIndex >= int(m_scenario->steps.size())) {
        complete();
        return;
    }
    const ScenarioStep &step = m_scenario->steps[size_t(m_stepIndex)];
    addLog(QStringLiteral("step %1: %2").arg(m_stepIndex + 1).arg(step.label));
    Q_EMIT stepStarted(m_stepIndex, step.label);
    runStep(step);
}

void ScenarioRunner::runStep(const ScenarioStep &step)
{
    // Steps go on from the event loop, never from inside the previous one's callback.
    const quint64 run = m_run;
    auto proceed = [this, run] {
        QTimer::singleShot(0, this, [this, run] {
            if (run == m_run)
                nextStep();
        });
    };
    switch (step.kind) {
    case ScenarioStep::Kind::Start:
        startClients(step);
        proceed();
        break;
    case ScenarioStep::Kind::Publish:
    case ScenarioStep::Kind::Fault:
        startJob(step);
        if (step.background)
            proceed();
        break;
    case ScenarioStep::Kind::Wait:
        if (step.until == ScenarioStep::Until::Time) {
            QTimer::singleShot(step.ms, Qt::PreciseTimer, this, [this, run] {
                if (run == m_run)
                    nextStep();
            });
        } else {
            waitUntil(step);
        }
        break;
    case ScenarioStep::Kind::Expect:
        expect(step);
        break;
    }
}

void ScenarioRunner::startClients(const ScenarioStep &step)
{
    QUrl url = m_target->url().resolved(QUrl(QStringLiteral("events")));
    QUrlQuery query;
    for (const QString &topic : step.topics)
        query.addQueryItem(QStringLiteral("topic"), topic);
    url.setQuery(query);

    for (int i = 0; i < step.clients; ++i) {
        VirtualClient::Config config;
        config.url = url;
        config.group = step.group;
        config.name = QStringLiteral("%1-%2").arg(step.group).arg(++m_groupCounters[step.group]);
        config.topics = step.topics;
        config.behaviour = step.behaviour;
        config.ownDelayMs = step.ownDelayMs;
        config.readBytesPerSecond = step.readBytesPerSecond;
        m_clients.push_back(std::make_unique<VirtualClient>(config));
        m_clients.back()->start();
    }
}

void ScenarioRunner::startJob(const ScenarioStep &step)
{
    auto job = std::make_shared<Job>();
    job->step = &step;
    job->startedMs = elapsedMs();
    m_jobs.push_back(job);
    if (step.kind == ScenarioStep::Kind::Publish)
        publishNext(job);
    else
        faultNext(job);
}

void ScenarioRunner::jobDone(const std::shared_ptr<Job> &job)
{
    if (job->finished)
        return;
    job->finished = true;
    m_jobs.erase(std::remove(m_jobs.begin(), m_jobs.end(), job), m_jobs.end());
    const ScenarioStep &step = *job->step;
    if (step.background)
        addLog(QStringLiteral("background step %1 done").arg(step.path));
    if (!step.background && !m_finishing) {
        const quint64 run = m_run;
        QTimer::singleShot(0, this, [this, run] {
            if (run == m_run)
                nextStep();
        });
    }
}

void ScenarioRunner::publishNext(const std::shared_ptr<Job> &job)
{
    if (m_finishing || job->finished)
        return;
    const ScenarioStep &step = *job->step;
    const quint64 run = m_run;
    if (job->done >= step.count) {
        jobDone(job);
        return;
    }
    if (step.rate > 0) {
        // Each event at its own due time from the start, so that a slow answer is made up for
        // rather than pushing every later event back.
        const qint64 due = job->startedMs + qint64(double(job->done) * 1000.0 / step.rate);
        const qint64 wait = due - elapsedMs();
        if (wait > 0) {
            QTimer::singleShot(int(wait), Qt::PreciseTimer, this, [this, run, job] {
                if (run == m_run)
                    publishNext(job);
            });
            return;
        }
    }

    const qint64 seq = ++m_nextSeq;
    const qint64 sentAt = nowMs();
    // The latency convention: the publisher's sequence number and wall-clock time.
    QByteArray data
        = "{\"seq\":" + QByteArray::number(seq) + ",\"t\":" + QByteArray::number(sentAt);
    if (step.padBytes > 0)
        data += ",\"pad\":\"" + QByteArray(step.padBytes, 'x') + '"';
    data += '}';
    m_target->publish(step.topic, step.eventType, data,
                      [this, run, job, seq, sentAt](qint64 id, const QString &error) {
                          if (run != m_run || m_finishing)
                              return;
                          const ScenarioStep &step = *job->step;
                          if (!error.isEmpty()) {
                              addError(step, QStringLiteral("publish failed: ") + error);
                              jobDone(job);
                              return;
                          }
                          m_record.published.push_back({id, step.topic, seq, sentAt, nowMs()});
                          ++job->done;
                          QTimer::singleShot(0, this, [this, run, job] {
                              if (run == m_run)
                                  publishNext(job);
                          });
                      });
}

void ScenarioRunner::faultNext(const std::shared_ptr<Job> &job)
{
    if (m_finishing || job->finished)
        return;
    const ScenarioStep &step = *job->step;
    const quint64 run = m_run;
    if (job->done >= step.repeat) {
        if (job->reached == 0 && step.clientFault)
            addError(step,
                     QStringLiteral("the fault reached no stream: none of the selected "
                                    "clients had one open"));
        jobDone(job);
        return;
    }
    auto again = [this, run, job] {
        const ScenarioStep &step = *job->step;
        QTimer::singleShot(job->done < step.repeat ? step.intervalMs : 0, Qt::PreciseTimer, this,
                           [this, run, job] {
                               if (run == m_run)
                                   faultNext(job);
                           });
    };

    QJsonObject fault = step.fault;
    if (step.clientFault) {
        if (step.target.kind == ClientSelection::Kind::All) {
            fault.insert(QStringLiteral("clients"), QStringLiteral("all"));
        } else {
            QJsonArray ids;
            for (VirtualClient *client : selectedClients(step.target)) {
                const QByteArray id = client->serverClientId();
                if (!id.isEmpty())
                    ids.append(QString::fromLatin1(id));
            }
            if (ids.isEmpty()) {
                ++job->done;
                addLog(QStringLiteral("  fault %1 of %2 skipped: no stream of %3 is open")
                           .arg(job->done)
                           .arg(step.repeat)
                           .arg(step.target.describe()));
                again();
                return;
            }
            fault.insert(QStringLiteral("clients"), ids);
        }
    }
    m_target->applyFault(
        fault, [this, run, job, again](const QJsonObject &record, const QString &error) {
            if (run != m_run || m_finishing)
                return;
            const ScenarioStep &step = *job->step;
            ++job->done;
            if (!error.isEmpty()) {
                addError(step, QStringLiteral("fault rejected: ") + error);
                job->done = step.repeat;
                job->reached = std::max(job->reached, 1); // one error is enough said
            } else {
                const int applied = record.value(QLatin1String("applied")).toInt();
                job->reached += int(applied > 0);
                addLog(QStringLiteral("  fault applied: %1").arg(compact(record)));
            }
            again();
        });
}

std::vector<VirtualClient *> ScenarioRunner::selectedClients(const ClientSelection &selection) const
{
    std::vector<VirtualClient *> clients;
    for (const auto &client : m_clients) {
        if (selection.matches(client->log()))
            clients.push_back(client.get());
    }
    return clients;
}

void ScenarioRunner::waitUntil(const ScenarioStep &step)
{
    m_waiting = &step;
    m_waitStartedMs = elapsedMs();
    m_pollTimer.start(m_target->pollIntervalMs());
    pollWait();
}

bool ScenarioRunner::waitConditionMet(QString *status)
{
    const ScenarioStep &step = *m_waiting;
    const std::vector<VirtualClient *> clients = selectedClients(step.target);
    int ready = 0;
    switch (step.until) {
    case ScenarioStep::Until::Time:
        return true;
    case ScenarioStep::Until::Connected:
        for (VirtualClient *client : clients)
            ready += int(client->isOpen());
        *status = QStringLiteral("%1 of %2 clients open").arg(ready).arg(clients.size());
        return ready == int(clients.size());
    case ScenarioStep::Until::ClientCount: {
        if (!m_countInFlight) {
            m_countInFlight = true;
            const quint64 run = m_run;
            m_target->clientCount([this, run](int count, const QString &) {
                if (run != m_run)
                    return;
                m_lastCount = count;
                m_countInFlight = false;
            });
        }
        *status = QStringLiteral("the server counts %1 stream clients").arg(m_lastCount);
        return m_lastCount == step.count;
    }
    case ScenarioStep::Until::Received:
        for (VirtualClient *client : clients)
            ready += int(client->log().events.size() >= size_t(step.count));
        *status = QStringLiteral("%1 of %2 clients have %3 events")
                      .arg(ready)
                      .arg(clients.size())
                      .arg(step.count);
        return ready == int(clients.size());
    case ScenarioStep::Until::CaughtUp: {
        // Each running client has the newest event published on one of its topics.
        QHash<QString, qint64> newest;
        for (const RunRecord::Published &event : m_record.published)
            newest[event.topic] = std::max(newest.value(event.topic), event.id);
        for (VirtualClient *client : clients) {
            if (client->hasFailed()) {
                ++ready;
                continue;
            }
            qint64 owed = 0;
            for (const QString &topic : client->config().topics)
                owed = std::max(owed, newest.value(topic));
            const auto &events = client->log().events;
            ready += int(owed == 0 || (!events.empty() && events.back().id.toLongLong() >= owed));
        }
        *status = QStringLiteral("%1 of %2 clients caught up").arg(ready).arg(clients.size());
        return ready == int(clients.size());
    }
    case ScenarioStep::Until::Stopped:
        for (VirtualClient *client : clients)
            ready += int(client->hasFailed());
        *status = QStringLiteral("%1 of %2 clients stopped").arg(ready).arg(clients.size());
        return ready == int(clients.size());
    case ScenarioStep::Until::Opens:
        for (VirtualClient *client : clients)
            ready += int(client->log().opens() >= step.count);
        *status = QStringLiteral("%1 of %2 clients opened %3 times")
                      .arg(ready)
                      .arg(clients.size())
                      .arg(step.count);
        return ready == int(clients.size());
    case ScenarioStep::Until::Background: {
        int running = 0;
        for (const auto &job : m_jobs)
            running += int(job->step->background && !job->finished);
        *status = QStringLiteral("%1 background steps running").arg(running);
        return running == 0;
    }
    }
    return true;
}

void ScenarioRunner::pollWait()
{
    if (!m_waiting || m_finishing)
        return;
    const ScenarioStep &step = *m_waiting;
    QString status;
    const bool met = waitConditionMet(&status);
    const qint64 waited = elapsedMs() - m_waitStartedMs;
    if (!met && waited < step.timeoutMs)
        return;
    m_pollTimer.stop();
    m_waiting = nullptr;
    if (met) {
        addLog(QStringLiteral("  met after %1 ms").arg(waited));
    } else {
        const QString text = QStringLiteral("timed out after %1 ms: %2").arg(waited).arg(status);
        if (step.required)
            addError(step, text);
        else {
            m_result.notes.append(QStringLiteral("%1 (%2) %3").arg(step.path, step.label, text));
            addLog(QStringLiteral("  ") + text);
        }
    }
    const quint64 run = m_run;
    QTimer::singleShot(0, this, [this, run] {
        if (run == m_run)
            nextStep();
    });
}

QJsonArray ScenarioRunner::runFaults(const QJsonArray &log) const
{
    QJsonArray mine;
    for (const QJsonValue &entry : log) {
        if (entry.toObject().value(QLatin1String("atMs")).toDouble()
            >= double(m_record.startedAtMs - FaultLogSlackMs))
            mine.append(entry);
    }
    return mine;
}

void ScenarioRunner::refreshRecord()
{
    m_record.clients.clear();
    for (const auto &client : m_clients)
        m_record.clients.push_back(&client->log());
    m_record.nowMs = nowMs();
}

void ScenarioRunner::expect(const ScenarioStep &step)
{
    // The fault log and the client count come from the server (over HTTP for a remote one)
    // before the checks look at anything.
    const quint64 run = m_run;
    m_target->faultLog([this, run, &step](const QJsonArray &log, const QString &error) {
        if (run != m_run || m_finishing)
            return;
        if (!error.isEmpty())
            m_result.notes.append(
                QStringLiteral("%1: GET /faults failed: %2").arg(step.path, error));
        m_record.faultLog = runFaults(log);
        m_target->clientCount([this, run, &step](int count, const QString &error) {
            if (run != m_run || m_finishing)
                return;
            if (!error.isEmpty())
                m_result.notes.append(
                    QStringLiteral("%1: GET /clients failed: %2").arg(step.path, error));
            m_record.serverClientCount = count;
            evaluate(step);
        });
    });
}

void ScenarioRunner::evaluate(const ScenarioStep &step)
{
    refreshRecord();
    for (const Expectation &expectation : step.checks) {
        CheckResult result = ExpectationChecker::check(expectation, m_record);
        addLog(QStringLiteral("  %1 %2: %3")
                   .arg(result.passed ? QStringLiteral("PASS") : QStringLiteral("FAIL"),
                        result.name, result.summary));
        m_result.checks.push_back(std::move(result));
    }
    const quint64 run = m_run;
    QTimer::singleShot(0, this, [this, run] {
        if (run == m_run)
            nextStep();
    });
}

void ScenarioRunner::complete()
{
    int running = 0;
    for (const auto &job : m_jobs)
        running += int(!job->finished);
    if (running > 0)
        m_result.notes.append(QStringLiteral("%1 background steps were still running at the end "
                                             "and were stopped (add a wait until background)")
                                  .arg(running));
    finish();
}

void ScenarioRunner::onDeadline()
{
    if (m_finishing)
        return;
    m_result.timedOut = true;
    const QString where = m_stepIndex >= 0 && m_stepIndex < int(m_scenario->steps.size())
        ? QStringLiteral(" in step %1 (%2)")
              .arg(m_stepIndex + 1)
              .arg(m_scenario->steps[size_t(m_stepIndex)].label)
        : QString();
    const QString text = QStringLiteral("the scenario timed out after %1 s%2")
                             .arg(double(m_deadline.interval()) / 1000.0)
                             .arg(where);
    m_result.errors.append(text);
    addLog(QStringLiteral("ERROR ") + text);
    finish();
}

void ScenarioRunner::finish()
{
    if (m_finishing)
        return;
    m_finishing = true;
    m_deadline.stop();
    m_pollTimer.stop();
    m_waiting = nullptr;
    for (const auto &job : m_jobs)
        job->finished = true;
    m_jobs.clear();
    for (const auto &client : m_clients)
        client->stop();

    auto conclude = [this] {
        if (m_target)
            m_target->stop();
        refreshRecord();

        // A check the run never got to counts as failed: the verdict cannot rest on it.
        QSet<QString> evaluated;
        for (const CheckResult &check : m_result.checks)
            evaluated.insert(check.name);
        for (const Expectation *expectation : m_scenario->expectations()) {
            if (evaluated.contains(expectation->name))
                continue;
            CheckResult check;
            check.name = expectation->name;
            check.check = Expectation::kindName(expectation->kind);
            check.path = expectation->path;
            check.evaluated = false;
            check.summary = m_result.timedOut
                ? QStringLiteral("not evaluated: the scenario timed out first")
                : QStringLiteral("not evaluated: the scenario stopped before its step");
            m_result.checks.push_back(check);
        }

        for (const auto &client : m_clients) {
            const ClientLog &log = client->log();
            static const char *const states[]
                = {"idle", "connecting", "open", "waiting", "failed", "stopped"};
            QJsonObject entry{
                {QStringLiteral("name"), log.name},
                {QStringLiteral("group"), log.group},
                {QStringLiteral("kind"), log.behaviour},
                {QStringLiteral("topics"), QJsonArray::fromStringList(log.topics)},
                {QStringLiteral("events"), double(log.events.size())},
                {QStringLiteral("attempts"), double(log.attempts.size())},
                {QStringLiteral("opens"), log.opens()},
                {QStringLiteral("disconnects"), double(log.disconnects.size())},
                {QStringLiteral("lastEventId"), QString::fromUtf8(client->lastEventId())},
                {QStringLiteral("state"),
                 QLatin1String(log.failed ? "failed" : states[int(client->state())])}};
            if (log.failed)
                entry.insert(QStringLiteral("failReason"), log.failReason);
            QJsonObject reasons;
            for (const ClientLog::Disconnect &gone : log.disconnects)
                reasons.insert(gone.reason, reasons.value(gone.reason).toInt() + 1);
            entry.insert(QStringLiteral("disconnectReasons"), reasons);
            m_result.clients.append(entry);
        }
        m_result.published = qint64(m_record.published.size());
        bool allPassed = true;
        for (const CheckResult &check : m_result.checks)
            allPassed = allPassed && check.passed;
        m_result.passed = allPassed && m_result.errors.isEmpty() && !m_result.timedOut;
        m_result.durationMs = elapsedMs();
        addLog(QStringLiteral("verdict %1")
                   .arg(m_result.passed ? QStringLiteral("PASS") : QStringLiteral("FAIL")));
        m_done = true;
        m_loop.quit();
    };

    if (!m_target) {
        conclude();
        return;
    }
    const quint64 run = m_run;
    m_target->faultLog([this, run, conclude](const QJsonArray &log, const QString &) {
        if (run != m_run)
            return;
        m_result.faultLog = runFaults(log);
        conclude();
    });
}

} // namespace Herald
