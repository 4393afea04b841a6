#include "latencyhistogram.h"

#include <algorithm>
#include <cmath>

namespace Herald::Bench {

namespace {

constexpr int SubBits = 6; // 64 sub-buckets per power of two
constexpr int SubCount = 1 << SubBits;
constexpr int Shifts = 64 - SubBits;

} // namespace

LatencyHistogram::LatencyHistogram()
    : m_buckets(size_t((Shifts + 1) * SubCount), 0)
{ }

// Values below 2*SubCount get their own bucket; above, a value v with its highest bit at b
// (b > SubBits) keeps its top SubBits+1 bits: bucket (b - SubBits) * SubCount + (v >> shift).
int LatencyHistogram::indexOf(quint64 value)
{
    if (value < quint64(2 * SubCount))
        return int(value);
    const int top = 63 - __builtin_clzll(value);
    const int shift = top - SubBits;
    return shift * SubCount + int(value >> shift);
}

quint64 LatencyHistogram::lowestOf(int index)
{
    if (index < 2 * SubCount)
        return quint64(index);
    const int shift = index / SubCount - 1;
    const quint64 sub = quint64(index - shift * SubCount);
    return sub << shift;
}

void LatencyHistogram::record(qint64 ns)
{
    if (ns < 0)
        ns = 0;
    ++m_buckets[size_t(indexOf(quint64(ns)))];
    if (m_count == 0 || ns < m_min)
        m_min = ns;
    m_max = std::max(m_max, ns);
    m_sum += ns;
    ++m_count;
}

qint64 LatencyHistogram::percentile(double p) const
{
    if (m_count == 0)
        return 0;
    const quint64 rank
        = std::max<quint64>(1, quint64(std::ceil(std::clamp(p, 0.0, 100.0) / 100.0 * m_count)));
    quint64 seen = 0;
    for (size_t i = 0; i < m_buckets.size(); ++i) {
        seen += m_buckets[i];
        if (seen >= rank) {
            const quint64 low = lowestOf(int(i));
            const quint64 high = i + 1 < m_buckets.size() ? lowestOf(int(i + 1)) : low;
            const qint64 middle = qint64(low + (high - low) / 2);
            return std::clamp(middle, m_min, m_max);
        }
    }
    return m_max;
}

} // namespace Herald::Bench
