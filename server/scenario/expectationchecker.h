#pragma once

#include "scenario/expectation.h"
#include "scenario/runrecord.h"
#include "scenario/scenarioresult.h"

namespace Herald {

// Holds a run to one expectation. Every check is written so that it can fail: a check with
// nothing to look at (no client reconnected, no event carried a timestamp) fails and says so,
// rather than passing on an empty set.
class ExpectationChecker
{
public:
    static CheckResult check(const Expectation &expectation, const RunRecord &record);

    // "12-15, 18, 20-21"
    static QString idRanges(QList<qint64> ids);
    // p in (0, 100], nearest-rank; values need not be sorted. -1 when empty.
    static qint64 percentile(std::vector<qint64> values, double p);

private:
    explicit ExpectationChecker(const Expectation &expectation, const RunRecord &record);

    void noGaps();
    void noDuplicates();
    void inOrder();
    void reconnectTiming();
    void lastEventId();
    void replay();
    void clientCount();
    void clientStopped();
    void latency();
    void counts(bool reconnects);

    std::vector<const ClientLog *> selected() const;
    void evidence(const QString &line);
    void faultsBetween(qint64 fromMs, qint64 toMs);
    QString at(qint64 ms) const;
    void pass(const QString &summary);
    void failWith(const QString &summary);

    const Expectation &m_expectation;
    const RunRecord &m_record;
    CheckResult m_result;
    int m_evidenceDropped = 0;
};

} // namespace Herald
