using System.Globalization;
using System.Reflection;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace AlaeIlgpu.Benchmarks.Infrastructure;

/// <summary>The amount of work one invocation of a benchmark method does, in the unit of its class's <see cref="RateColumn"/>.</summary>
/// <param name="amount">For example GFLOP or GB per invocation.</param>
[AttributeUsage(AttributeTargets.Method)]
public sealed class WorkAttribute(double amount) : Attribute
{
    /// <summary>Work per invocation.</summary>
    public double Amount { get; } = amount;
}

/// <summary>A summary column "work per second" (GFLOP/s, GB/s) from each method's <see cref="WorkAttribute"/> and its mean time.</summary>
/// <param name="name">Column header, for example <c>GFLOP/s</c>.</param>
public sealed class RateColumn(string name) : IColumn
{
    /// <inheritdoc/>
    public string Id => nameof(RateColumn) + name;

    /// <inheritdoc/>
    public string ColumnName => name;

    /// <inheritdoc/>
    public bool AlwaysShow => true;

    /// <inheritdoc/>
    public ColumnCategory Category => ColumnCategory.Custom;

    /// <inheritdoc/>
    public int PriorityInCategory => 0;

    /// <inheritdoc/>
    public bool IsNumeric => true;

    /// <inheritdoc/>
    public UnitType UnitType => UnitType.Dimensionless;

    /// <inheritdoc/>
    public string Legend => $"{name}: work per invocation divided by the mean time";

    /// <inheritdoc/>
    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

    /// <inheritdoc/>
    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
    {
        var work = benchmarkCase.Descriptor.WorkloadMethod.GetCustomAttribute<WorkAttribute>();
        var statistics = summary[benchmarkCase]?.ResultStatistics;
        if (work is null || statistics is null)
        {
            return "-";
        }

        return (work.Amount / (statistics.Mean * 1e-9)).ToString("F1", CultureInfo.InvariantCulture);
    }

    /// <inheritdoc/>
    public bool IsAvailable(Summary summary) => true;

    /// <inheritdoc/>
    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
}
