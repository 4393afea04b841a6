#pragma once

#include <QtGlobal>

#include <vector>

namespace Herald::Bench {

// Log-linear histogram of durations in nanoseconds (HdrHistogram's layout, simplified): 64
// linear sub-buckets per power of two, so any percentile is within 1/64 (1.6%) of the true
// value, in a few thousand counters whatever the number of samples.
class LatencyHistogram
{
public:
    LatencyHistogram();

    void record(qint64 ns);
    quint64 count() const { return m_count; }
    qint64 max() const { return m_max; }
    qint64 min() const { return m_count ? m_min : 0; }
    double mean() const { return m_count ? double(m_sum) / double(m_count) : 0; }
    // The value at percentile p (0 to 100): the middle of the bucket holding it, clamped to the
    // exact minimum and maximum.
    qint64 percentile(double p) const;

private:
    static int indexOf(quint64 value);
    static quint64 lowestOf(int index);

    std::vector<quint64> m_buckets;
    quint64 m_count = 0;
    qint64 m_max = 0;
    qint64 m_min = 0;
    long double m_sum = 0;
};

} // namespace Herald::Bench
