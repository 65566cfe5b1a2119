package org.eqprop.estimators;

import org.eqprop.dynamics.ComplexEquilibrium;
import org.eqprop.dynamics.EnergyChain;
import org.eqprop.interactions.Interaction;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.List;

/**
 * A weighted sum of ∂Φ/∂θ over complex equilibria, ∇θL ≈ Re Σ_j w_j ∂Φ/∂θ(s_j) with complex weights w_j: the form of
 * holomorphic EqProp's contour average (Laborieux &amp; Zenke 2022), of which the symmetric estimator is the two-point
 * case. Every interaction must be bilinear ({@link Interaction#isBilinear}): ∂Φ/∂θ(s) = B(s_lower, s_upper) + ℓ(s_upper)
 * with B bilinear and ℓ linear, so that for s = a + ib
 * <pre>
 *   Re(w ∂Φ/∂θ(s)) = w_r (B(a_l, a_u) − B(b_l, b_u) + ℓ(a_u)) − w_i (B(a_l, b_u) + B(b_l, a_u) + ℓ(b_u)),
 * </pre>
 * which the interactions' own contrast {@link Interaction#writeContrastGradient} (scale·(B(l_A, u_A) + ℓ(u_A) −
 * B(l_B, u_B) − ℓ(u_B))) computes in at most four calls per term.
 *
 * @param terms the equilibria and their weights
 */
public record ContourAverage(List<Term> terms) {

    /** One equilibrium and its complex weight w = weightRe + i·weightIm. */
    public record Term(ComplexEquilibrium equilibrium, double weightRe, double weightIm) {
    }

    public ContourAverage {
        terms = List.copyOf(terms);
    }

    /** Writes Re Σ_j w_j ∂Φ/∂θ(s_j) (summed over the batch) into each interaction's gradient views. */
    public void writeGradient(EnergyChain chain, INDArray x, INDArray[][] views) {
        for (int k = 0; k < chain.depth(); k++) {
            Interaction interaction = chain.interaction(k);
            INDArray[] total = views[k];
            INDArray[] part = new INDArray[total.length];
            for (int i = 0; i < total.length; i++) {
                total[i].assign(0);
                part[i] = Nd4j.createUninitialized(total[i].dataType(), total[i].shape(), total[i].ordering());
            }
            java.util.Set<Term> paired = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
            for (Term term : terms) {
                ComplexEquilibrium e = term.equilibrium();
                INDArray lowerRe = k == 0 ? x : e.re()[k - 1];
                INDArray upperRe = e.re()[k];
                if (paired.contains(term)) {
                    continue;
                }
                Term partner = e.isReal() ? realPartner(term, paired) : null;
                if (partner != null) {
                    // two real equilibria with opposite weights: one contrast w_r (∂Φ/∂θ(a) − ∂Φ/∂θ(a'))
                    ComplexEquilibrium p = partner.equilibrium();
                    add(interaction, lowerRe, upperRe, k == 0 ? x : p.re()[k - 1], p.re()[k], term.weightRe(), part,
                            total);
                    continue;
                }
                if (e.isReal()) {
                    // w real-part only: Re(w ∂Φ/∂θ(a)) = w_r ∂Φ/∂θ(a)
                    add(interaction, lowerRe, upperRe, zerosLike(lowerRe), zerosLike(upperRe), term.weightRe(), part,
                            total);
                    continue;
                }
                INDArray lowerIm = k == 0 ? zerosLike(x) : e.im()[k - 1];
                INDArray upperIm = e.im()[k];
                INDArray zeroLower = zerosLike(lowerRe);
                INDArray zeroUpper = zerosLike(upperRe);
                double wr = term.weightRe();
                double wi = term.weightIm();
                // w_r (B(a_l, a_u) − B(b_l, b_u) + ℓ(a_u) − ℓ(b_u)), then + w_r ℓ(b_u)
                add(interaction, lowerRe, upperRe, lowerIm, upperIm, wr, part, total);
                add(interaction, zeroLower, upperIm, zeroLower, zeroUpper, wr, part, total);
                // −w_i (B(a_l, b_u) + B(b_l, a_u) + ℓ(b_u) + ℓ(a_u)), then + w_i ℓ(a_u)
                add(interaction, lowerRe, upperIm, lowerIm, upperRe.neg(), -wi, part, total);
                add(interaction, zeroLower, upperRe, zeroLower, zeroUpper, wi, part, total);
            }
        }
    }

    /**
     * Re Σ_j w_j ∂Φ/∂x(s_j): the estimate of the loss gradient with respect to the clamped input (∂Φ/∂x is linear in
     * s_1, so it is ∂Φ/∂x of the combined state Re Σ_j w_j s_{1,j}).
     */
    public INDArray inputGradient(EnergyChain chain, INDArray x) {
        INDArray combined = null;
        for (Term term : terms) {
            ComplexEquilibrium e = term.equilibrium();
            INDArray part = e.re()[0].mul(term.weightRe());
            if (!e.isReal()) {
                part.subi(e.im()[0].mul(term.weightIm()));
            }
            combined = combined == null ? part : combined.addi(part);
        }
        INDArray[] a = {combined};
        INDArray[] b = {zerosLike(combined)};
        return chain.inputContrast(x, a, b, 1.0);
    }

    /** Another unpaired real term whose weight is the opposite of this one's (marks both paired), or null. */
    private Term realPartner(Term term, java.util.Set<Term> paired) {
        for (Term other : terms) {
            if (other != term && !paired.contains(other) && other.equilibrium().isReal() && other.weightIm() == 0
                    && term.weightIm() == 0 && other.weightRe() == -term.weightRe()) {
                paired.add(term);
                paired.add(other);
                return other;
            }
        }
        return null;
    }

    private static void add(Interaction interaction, INDArray lowerA, INDArray upperA, INDArray lowerB,
                            INDArray upperB, double scale, INDArray[] part, INDArray[] total) {
        if (scale == 0) {
            return;
        }
        interaction.writeContrastGradient(lowerA, upperA, lowerB, upperB, scale, part);
        for (int i = 0; i < total.length; i++) {
            total[i].addi(part[i]);
        }
    }

    private static INDArray zerosLike(INDArray a) {
        return Nd4j.zeros(a.dataType(), a.shape());
    }
}
