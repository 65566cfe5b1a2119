package org.eqprop.examples.cli;

import org.eqprop.io.ModelFiles;
import org.eqprop.io.Npz;
import org.eqprop.io.NumpyParams;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;

import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code eqprop params-diff --a A --b B [--tolerance T]}: how far two sets of parameters are apart, each a DL4J model
 * zip or a NumPy {@code .npz} in the PyTorch layout (so a run compares with another, or with PyTorch code). Prints,
 * per array, ‖a − b‖ / ‖a‖ and max |a − b|, and overall ‖a − b‖ / ‖a‖ over all arrays; with a tolerance, whether the
 * overall difference is within it.
 */
final class ParamsDiffCommand {

    private ParamsDiffCommand() {
    }

    static CommandSpec spec() {
        CommandSpec spec = Cli.command("params-diff", "How far two parameter sets are apart.",
                "Each of --a and --b is a DL4J model zip or a NumPy .npz in the PyTorch layout. Prints, per array, "
                        + "the relative difference ||a - b|| / ||a|| and max |a - b|, and the relative difference "
                        + "over all arrays; with --tolerance, whether it is within.");
        spec.addOption(Options.path("--a", "A", "the first parameter set (model zip or .npz)").required(true)
                .build());
        spec.addOption(Options.path("--b", "B", "the second parameter set").required(true).build());
        spec.addOption(Options.number("--tolerance", "T", Options.Range.NON_NEGATIVE, "report whether the overall "
                + "relative difference is at most T").build());
        return spec;
    }


    static Json run(Args a, PrintStream out) throws IOException {
        Path pa = a.path("a");
        Path pb = a.path("b");
        Double tolerance = a.optionalDouble("tolerance");
        a.rejectUnused();
        Map<String, INDArray> x = load(pa);
        Map<String, INDArray> y = load(pb);
        if (!x.keySet().equals(y.keySet())) {
            throw new IllegalArgumentException("the two files hold different arrays: " + new TreeSet<>(x.keySet())
                    + " and " + new TreeSet<>(y.keySet()));
        }
        double num = 0;
        double den = 0;
        Map<String, Object> per = new LinkedHashMap<>();
        for (String k : x.keySet()) {
            INDArray u = x.get(k).castTo(DataType.DOUBLE);
            INDArray v = y.get(k).castTo(DataType.DOUBLE);
            if (!java.util.Arrays.equals(u.shape(), v.shape())) {
                throw new IllegalArgumentException(k + " has shape " + java.util.Arrays.toString(u.shape()) + " in "
                        + pa + " and " + java.util.Arrays.toString(v.shape()) + " in " + pb);
            }
            INDArray d = u.sub(v);
            double dn = d.norm2Number().doubleValue();
            double un = u.norm2Number().doubleValue();
            double max = d.amaxNumber().doubleValue();
            num += dn * dn;
            den += un * un;
            out.printf(Locale.ROOT, "%-4s relative %.3e, max abs %.3e%n", k, un == 0 ? dn : dn / un, max);
            per.put(k, un == 0 ? dn : dn / un);
        }
        double rel = den == 0 ? Math.sqrt(num) : Math.sqrt(num / den);
        out.printf(Locale.ROOT, "all  relative %.3e%s%n", rel, tolerance == null ? ""
                : String.format(Locale.ROOT, " (tolerance %.1e: %s)", tolerance, rel <= tolerance ? "within"
                : "OUTSIDE"));
        Json j = new Json().put("command", "params-diff").put("a", pa.toString()).put("b", pb.toString())
                .put("relative_difference", rel).put("per_array", per);
        if (tolerance != null) {
            j.put("tolerance", tolerance).put("within", rel <= tolerance);
        }
        return j;
    }

    private static Map<String, INDArray> load(Path p) throws IOException {
        return p.getFileName().toString().endsWith(".npz") ? Npz.read(p, Npz.PARAMETERS)
                : NumpyParams.export(ModelFiles.load(p));
    }
}
