// herald-bench: a load generator for Herald (and any server of the same SSE API) on loopback.

#include "benchlogging.h"
#include "benchoptions.h"
#include "benchrun.h"

#include <QLoggingCategory>
#include <QStringList>

#include <cstdio>

int main(int argc, char **argv)
{
    QStringList arguments;
    for (int i = 0; i < argc; ++i)
        arguments.append(QString::fromLocal8Bit(argv[i]));

    const Herald::Bench::BenchOptions options = Herald::Bench::BenchOptions::parse(arguments);
    switch (options.action) {
    case Herald::Bench::BenchOptions::Action::Help:
        std::fputs(qPrintable(Herald::Bench::BenchOptions::usage()), stdout);
        return 0;
    case Herald::Bench::BenchOptions::Action::Error:
        std::fprintf(stderr, "herald-bench: %s\nTry 'herald-bench --help'.\n",
                     qPrintable(options.error));
        return 2;
    case Herald::Bench::BenchOptions::Action::Run:
        break;
    }

    qSetMessagePattern(QStringLiteral("herald-bench: %{message}"));
    if (options.jsonOnly)
        QLoggingCategory::setFilterRules(QStringLiteral("herald.bench.info=false"));

    Herald::Bench::BenchRun run(options);
    return run.exec();
}
