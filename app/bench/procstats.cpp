#include "procstats.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>

#include <dirent.h>
#include <sys/resource.h>
#include <unistd.h>

namespace Herald::Bench {

namespace {

void readStatus(const char *path, ProcStats *stats)
{
    FILE *file = std::fopen(path, "re");
    if (!file)
        return;
    char line[256];
    while (std::fgets(line, sizeof line, file)) {
        if (std::strncmp(line, "VmRSS:", 6) == 0)
            stats->rssKb = std::strtoll(line + 6, nullptr, 10);
        else if (std::strncmp(line, "VmHWM:", 6) == 0)
            stats->hwmKb = std::strtoll(line + 6, nullptr, 10);
        else if (std::strncmp(line, "Threads:", 8) == 0)
            stats->threads = int(std::strtol(line + 8, nullptr, 10));
    }
    std::fclose(file);
}

} // namespace

ProcStats ProcStats::read(qint64 pid)
{
    ProcStats stats;
    char path[64];
    std::snprintf(path, sizeof path, "/proc/%lld/stat", static_cast<long long>(pid));
    FILE *file = std::fopen(path, "re");
    if (!file)
        return stats;
    char buffer[1024];
    const size_t n = std::fread(buffer, 1, sizeof buffer - 1, file);
    std::fclose(file);
    buffer[n] = '\0';

    // The command name (field 2) is in parentheses and may hold spaces or parentheses itself:
    // the fields that follow start after the last ')'. utime and stime are fields 14 and 15.
    const char *p = std::strrchr(buffer, ')');
    if (!p)
        return stats;
    ++p;
    int field = 2;
    unsigned long long utime = 0;
    unsigned long long stime = 0;
    while (*p && field < 15) {
        while (*p == ' ')
            ++p;
        ++field;
        char *end = nullptr;
        const unsigned long long value = std::strtoull(p, &end, 10);
        if (field == 14)
            utime = value;
        else if (field == 15)
            stime = value;
        p = end && end != p ? end : p + std::strcspn(p, " ");
    }
    if (field < 15)
        return stats;
    static const long ticks = sysconf(_SC_CLK_TCK);
    stats.cpuNs = qint64((utime + stime) * (1000000000ULL / quint64(ticks > 0 ? ticks : 100)));

    std::snprintf(path, sizeof path, "/proc/%lld/status", static_cast<long long>(pid));
    readStatus(path, &stats);
    stats.valid = true;
    return stats;
}

qint64 ProcStats::machineBusyNs()
{
    FILE *file = std::fopen("/proc/stat", "re");
    if (!file)
        return -1;
    unsigned long long user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0,
                       steal = 0;
    const int fields = std::fscanf(file, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &user,
                                   &nice, &system, &idle, &iowait, &irq, &softirq, &steal);
    std::fclose(file);
    if (fields < 7)
        return -1;
    static const long ticks = sysconf(_SC_CLK_TCK);
    const unsigned long long busy = user + nice + system + irq + softirq + steal;
    return qint64(busy * (1000000000ULL / quint64(ticks > 0 ? ticks : 100)));
}

qint64 ProcStats::softirqThreadsNs()
{
    // Kernel threads are children of kthreadd (pid 2) and named "ksoftirqd/<cpu>"; there is one
    // per core, so walking /proc once per reading is cheap enough outside the hot path.
    qint64 total = 0;
    DIR *proc = opendir("/proc");
    if (!proc)
        return -1;
    while (dirent *entry = readdir(proc)) {
        if (entry->d_name[0] < '0' || entry->d_name[0] > '9')
            continue;
        char path[300];
        std::snprintf(path, sizeof path, "/proc/%s/comm", entry->d_name);
        FILE *file = std::fopen(path, "re");
        if (!file)
            continue;
        char name[64] = {};
        const bool isSoftirq
            = std::fgets(name, sizeof name, file) && std::strncmp(name, "ksoftirqd/", 10) == 0;
        std::fclose(file);
        if (isSoftirq) {
            const ProcStats stats = read(std::strtoll(entry->d_name, nullptr, 10));
            if (stats.valid)
                total += stats.cpuNs;
        }
    }
    closedir(proc);
    return total;
}

ProcStats ProcStats::self()
{
    ProcStats stats;
    rusage usage{};
    if (getrusage(RUSAGE_SELF, &usage) != 0)
        return stats;
    auto ns = [](const timeval &tv) {
        return qint64(tv.tv_sec) * 1000000000 + tv.tv_usec * 1000;
    };
    stats.cpuNs = ns(usage.ru_utime) + ns(usage.ru_stime);
    readStatus("/proc/self/status", &stats);
    stats.valid = true;
    return stats;
}

} // namespace Herald::Bench
