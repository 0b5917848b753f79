using AlaeIlgpu.Alae.Config;
using AlaeIlgpu.Alae.Data;
using AlaeIlgpu.Alae.Evaluation;
using AlaeIlgpu.Alae.Mlp;
using AlaeIlgpu.Autodiff;
using AlaeIlgpu.Backends;
using AlaeIlgpu.Ops;

namespace AlaeIlgpu.Alae.Mlp;

/// <summary>
/// The paper's representation evaluation (section 7.1 of the paper): the trained (non-EMA) encoder's short (w)
/// and long (last hidden) features of the training digits fit a 1-NN and a linear SVM, scored on the held-out digits;
/// raw pixels give the reference rows.
/// </summary>
public static class MlpEvaluation
{
    private const int EncodeBatch = 500;

    /// <summary>Scores short, long and pixel features with both classifiers; <paramref name="log"/> gets one line per cell.</summary>
    public static IReadOnlyList<EvaluationResult> Run(MlpAlae model, MnistSet train, MnistSet test, MlpEvaluationConfig settings, Action<string> log)
    {
        var backend = model.WAverage.Backend;
        var (trainLong, trainShort) = Features(model, train);
        var (testLong, testShort) = Features(model, test);
        var kinds = new (FeatureKind Kind, float[] Train, float[] Test, int Dim)[]
        {
            (FeatureKind.Short, trainShort, testShort, model.Shape.Latent),
            (FeatureKind.Long, trainLong, testLong, model.Shape.Hidden),
            (FeatureKind.Pixels, train.Images, test.Images, train.PixelCount),
        };
        var results = new List<EvaluationResult>();
        foreach (var (kind, trainX, testX, dim) in kinds)
        {
            int[] nn = NearestNeighbor.Predict(trainX, train.Labels, testX, dim, (a, aRows, b, bRows, d, c) => InnerProducts(backend, a, aRows, b, bRows, d, c));
            results.Add(Cell(kind, ClassifierKind.OneNearestNeighbor, nn, train, test, log));
            var svm = LinearSvm.Train(trainX, train.Labels, dim, new LinearSvmOptions { C = settings.SvmC, MaxIterations = settings.SvmMaxIterations, Tolerance = settings.SvmTolerance });
            results.Add(Cell(kind, ClassifierKind.LinearSvm, svm.Predict(testX), train, test, log));
        }
        return results;
    }

    private static EvaluationResult Cell(FeatureKind kind, ClassifierKind classifier, int[] predicted, MnistSet train, MnistSet test, Action<string> log)
    {
        var r = EvaluationResult.Score(kind, classifier, train.Count, predicted, test.Labels);
        log($"{kind,-7} {classifier,-19} {r.Accuracy:P2}");
        return r;
    }

    /// <summary>(long [N, hidden], short [N, latent]) features of every image of <paramref name="set"/>, in batches.</summary>
    public static (float[] Long, float[] Short) Features(MlpAlae model, MnistSet set)
    {
        var backend = model.WAverage.Backend;
        var longs = new float[set.Count * model.Shape.Hidden];
        var shorts = new float[set.Count * model.Shape.Latent];
        using var _ = Autograd.NoGrad();
        for (int start = 0; start < set.Count; start += EncodeBatch)
        {
            int n = Math.Min(EncodeBatch, set.Count - start);
            using var scope = new TensorScope();
            var x = Tensor.FromArray(backend, set.Images.AsSpan(start * set.PixelCount, n * set.PixelCount).ToArray(), n, set.PixelCount);
            var (l, s) = model.E.Features(x);
            l.ToArray().CopyTo(longs, start * model.Shape.Hidden);
            s.ToArray().CopyTo(shorts, start * model.Shape.Latent);
        }
        return (longs, shorts);
    }

    // c [aRows, bRows] = a [aRows, d] b^T on the device's GEMM.
    private static void InnerProducts(Backend backend, ReadOnlySpan<float> a, int aRows, ReadOnlySpan<float> b, int bRows, int d, Span<float> c)
    {
        using var scope = new TensorScope();
        var ta = Tensor.FromArray(backend, a[..(aRows * d)].ToArray(), aRows, d);
        var tb = Tensor.FromArray(backend, b[..(bRows * d)].ToArray(), bRows, d);
        MatMulOp.MatMul(ta, tb, transB: true).ToArray().CopyTo(c);
    }
}
