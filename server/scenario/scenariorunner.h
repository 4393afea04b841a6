#pragma once

#include "scenario/runrecord.h"
#include "scenario/scenario.h"
#include "scenario/scenarioresult.h"
#include "scenario/virtualclient.h"

#include <QEventLoop>
#include <QHash>
#include <QObject>
#include <QTimer>
#include <QUrl>

#include <functional>
#include <memory>
#include <vector>

namespace Herald {

class ScenarioTarget;

/*
    Runs a scenario to its verdict: starts the server (an in-process Herald on a free loopback
    port, or the one at Options::url), carries out the steps in order (publish and fault steps
    may run in the background while later steps go on), evaluates each expect step when it comes
    and stops everything at the end or at the scenario's deadline, whichever is first.

    run() spins a local event loop: the in-process server and the virtual clients live on this
    thread, so it must never block it.
*/
class ScenarioRunner : public QObject
{
    Q_OBJECT

public:
    struct Options
    {
        QUrl url; // empty: start a Herald in this process
        QByteArray token; // the publish token of the Herald at url, if it wants one
        int timeoutMs = 0; // 0: the scenario's own
    };

    explicit ScenarioRunner(QObject *parent = nullptr);
    ~ScenarioRunner() override;

    ScenarioResult run(const Scenario &scenario);
    ScenarioResult run(const Scenario &scenario, const Options &options);

    // The clients of the last run, kept until the next one (tests look at their logs).
    const std::vector<std::unique_ptr<VirtualClient>> &clients() const { return m_clients; }
    const RunRecord &record() const { return m_record; }

Q_SIGNALS:
    void stepStarted(int index, const QString &label);

private:
    struct Job;

    void nextStep();
    void runStep(const ScenarioStep &step);
    void startClients(const ScenarioStep &step);
    void publishNext(const std::shared_ptr<Job> &job);
    void faultNext(const std::shared_ptr<Job> &job);
    void startJob(const ScenarioStep &step);
    void jobDone(const std::shared_ptr<Job> &job);
    void waitUntil(const ScenarioStep &step);
    void pollWait();
    bool waitConditionMet(QString *status);
    void expect(const ScenarioStep &step);
    void evaluate(const ScenarioStep &step);
    void complete();
    void finish();
    void onDeadline();

    std::vector<VirtualClient *> selectedClients(const ClientSelection &selection) const;
    QJsonArray runFaults(const QJsonArray &log) const;
    void refreshRecord();
    void addLog(const QString &line);
    void addError(const ScenarioStep &step, const QString &error);
    qint64 elapsedMs() const;

    const Scenario *m_scenario = nullptr;
    Options m_options;
    std::unique_ptr<ScenarioTarget> m_target;
    std::vector<std::unique_ptr<VirtualClient>> m_clients;
    QHash<QString, int> m_groupCounters;
    std::vector<std::shared_ptr<Job>> m_jobs;
    RunRecord m_record;
    ScenarioResult m_result;
    QEventLoop m_loop;
    QTimer m_deadline;
    QTimer m_pollTimer;
    const ScenarioStep *m_waiting = nullptr;
    qint64 m_waitStartedMs = 0;
    bool m_countInFlight = false;
    int m_lastCount = -1;
    int m_stepIndex = -1;
    qint64 m_nextSeq = 0;
    bool m_finishing = false;
    bool m_done = false;
    quint64 m_run = 0; // callbacks of an earlier run are ignored
};

} // namespace Herald
