using System.Reflection;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace AlaeIlgpu.Benchmarks.Infrastructure;

/// <summary>
/// The work one invocation of a benchmark method does, in the base unit of its class's <see cref="ThroughputColumn"/>
/// (FLOP, bytes, images); read by <see cref="ThroughputColumn.MethodWork"/>.
/// </summary>
/// <param name="amount">Work per invocation.</param>
[AttributeUsage(AttributeTargets.Method)]
public sealed class WorkAttribute(double amount) : Attribute
{
    /// <summary>Work per invocation.</summary>
    public double Amount { get; } = amount;
}

/// <summary>
/// A summary column that turns each benchmark's mean time into a throughput such as GFLOP/s or GB/s, from the
/// amount of work that one invocation of the benchmark does.
/// </summary>
/// <remarks>
/// To use it, give the benchmark class a config that adds the column with a function from the benchmark case to its
/// work per invocation (return <c>null</c> for cases without a meaningful figure). Where each method does a fixed
/// amount of work, mark the methods with <see cref="WorkAttribute"/> and pass <see cref="MethodWork"/>; where the work
/// follows from a parameter, read it with <see cref="Parameter{T}"/>:
/// <code>
/// [Config(typeof(Config))]
/// public class Perf_Conv2d
/// {
///     private sealed class Config : ManualConfig
///     {
///         public Config() =&gt; AddColumn(ThroughputColumn.GigaFlops(
///             c =&gt; ThroughputColumn.Parameter&lt;ConvShape&gt;(c, nameof(Shape)).Flops));
///     }
///
///     [ParamsSource(nameof(Shapes))]
///     public ConvShape Shape { get; set; } = null!;
///     ...
/// }
/// </code>
/// If a benchmark sets <c>OperationsPerInvoke</c>, BenchmarkDotNet reports time per operation, so return the work
/// of one operation. Memory-bound kernels use <see cref="GigabytesPerSecond"/> with bytes read plus bytes written.
/// </remarks>
public sealed class ThroughputColumn : IColumn
{
    private readonly double _unitScale;
    private readonly Func<BenchmarkCase, double?> _workPerInvocation;

    /// <summary>Creates a throughput column.</summary>
    /// <param name="columnName">Header, also the unit, for example <c>GFLOP/s</c>.</param>
    /// <param name="unitScale">Work units per displayed unit, for example 1e9 for GFLOP/s.</param>
    /// <param name="workPerInvocation">Work of one invocation of a benchmark case, or null when not applicable.</param>
    public ThroughputColumn(string columnName, double unitScale, Func<BenchmarkCase, double?> workPerInvocation)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(columnName);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(unitScale);
        ArgumentNullException.ThrowIfNull(workPerInvocation);
        ColumnName = columnName;
        _unitScale = unitScale;
        _workPerInvocation = workPerInvocation;
    }

    /// <summary>A GFLOP/s column from floating-point operations per invocation.</summary>
    public static ThroughputColumn GigaFlops(Func<BenchmarkCase, double?> flopsPerInvocation) =>
        new("GFLOP/s", 1e9, flopsPerInvocation);

    /// <summary>A GB/s column from bytes moved (read plus written) per invocation.</summary>
    public static ThroughputColumn GigabytesPerSecond(Func<BenchmarkCase, double?> bytesPerInvocation) =>
        new("GB/s", 1e9, bytesPerInvocation);

    /// <summary>The <see cref="WorkAttribute"/> amount of a case's benchmark method, or null when it has none.</summary>
    public static double? MethodWork(BenchmarkCase benchmarkCase) =>
        benchmarkCase.Descriptor.WorkloadMethod.GetCustomAttribute<WorkAttribute>()?.Amount;

    /// <summary>The value of parameter <paramref name="name"/> (a <c>[Params]</c> or <c>[ParamsSource]</c> member) of a case.</summary>
    public static T Parameter<T>(BenchmarkCase benchmarkCase, string name) =>
        (T)benchmarkCase.Parameters[name];

    /// <inheritdoc />
    public string Id => $"{nameof(ThroughputColumn)}.{ColumnName}";

    /// <inheritdoc />
    public string ColumnName { get; }

    /// <inheritdoc />
    public bool AlwaysShow => true;

    /// <inheritdoc />
    public ColumnCategory Category => ColumnCategory.Custom;

    /// <inheritdoc />
    public int PriorityInCategory => 0;

    /// <inheritdoc />
    public bool IsNumeric => true;

    /// <inheritdoc />
    public UnitType UnitType => UnitType.Dimensionless;

    /// <inheritdoc />
    public string Legend => $"Throughput in {ColumnName}: work per invocation divided by the mean time";

    /// <inheritdoc />
    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) =>
        GetValue(summary, benchmarkCase, summary.Style);

    /// <inheritdoc />
    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
    {
        double? work = _workPerInvocation(benchmarkCase);
        double? meanNanoseconds = summary[benchmarkCase]?.ResultStatistics?.Mean;
        if (work is null || meanNanoseconds is null or <= 0)
        {
            return "-";
        }
        double perSecond = work.Value / (meanNanoseconds.Value * 1e-9) / _unitScale;
        return perSecond.ToString(perSecond >= 100 ? "F0" : perSecond >= 10 ? "F1" : "F2", style.CultureInfo);
    }

    /// <inheritdoc />
    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;

    /// <inheritdoc />
    public bool IsAvailable(Summary summary) => true;

    /// <inheritdoc />
    public override string ToString() => ColumnName;
}
