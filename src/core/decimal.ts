/**
 * Exact decimal arithmetic on BigInt: a value is `units × 10^-scale`.
 * Money and quantities never touch binary floating point.
 */
export class Decimal {
  private constructor(
    readonly units: bigint,
    readonly scale: number,
  ) {}

  static readonly ZERO = new Decimal(0n, 0);

  /** Accepts "12.90", "-3", "1e2"-free plain decimals, and JSON numbers (via their shortest round-trip text). */
  static parse(input: string | number): Decimal {
    const text = typeof input === 'number' ? numberToPlain(input) : input.trim();
    const m = /^([+-])?(\d+)(?:\.(\d+))?$/.exec(text) ?? /^([+-])?()\.(\d+)$/.exec(text);
    if (!m) throw new RangeError(`not a decimal number: ${JSON.stringify(input)}`);
    const frac = m[3] ?? '';
    const digits = (m[2] || '0') + frac;
    const units = BigInt(digits) * (m[1] === '-' ? -1n : 1n);
    return new Decimal(units, frac.length);
  }

  static tryParse(input: string | number): Decimal | undefined {
    try {
      return Decimal.parse(input);
    } catch {
      return undefined;
    }
  }

  private rescale(scale: number): bigint {
    if (scale < this.scale) throw new RangeError('rescale would lose digits; use round()');
    return this.units * 10n ** BigInt(scale - this.scale);
  }

  add(other: Decimal): Decimal {
    const s = Math.max(this.scale, other.scale);
    return new Decimal(this.rescale(s) + other.rescale(s), s);
  }

  sub(other: Decimal): Decimal {
    return this.add(other.neg());
  }

  neg(): Decimal {
    return new Decimal(-this.units, this.scale);
  }

  mul(other: Decimal): Decimal {
    return new Decimal(this.units * other.units, this.scale + other.scale);
  }

  cmp(other: Decimal): -1 | 0 | 1 {
    const s = Math.max(this.scale, other.scale);
    const a = this.rescale(s);
    const b = other.rescale(s);
    return a < b ? -1 : a > b ? 1 : 0;
  }

  eq(other: Decimal): boolean {
    return this.cmp(other) === 0;
  }

  isNegative(): boolean {
    return this.units < 0n;
  }

  isZero(): boolean {
    return this.units === 0n;
  }

  abs(): Decimal {
    return this.units < 0n ? this.neg() : this;
  }

  /** Round half away from zero to `scale` decimals (commercial rounding). */
  round(scale: number): Decimal {
    if (scale >= this.scale) return new Decimal(this.rescale(scale), scale);
    const div = 10n ** BigInt(this.scale - scale);
    return new Decimal(divRoundHalfAway(this.units, div), scale);
  }

  /** Round to a multiple of `step` (e.g. 0.05 for CHF cash rounding), half away from zero. */
  roundToStep(step: Decimal): Decimal {
    const s = Math.max(this.scale, step.scale);
    const stepUnits = step.rescale(s);
    if (stepUnits <= 0n) throw new RangeError('step must be positive');
    const q = divRoundHalfAway(this.rescale(s), stepUnits);
    return new Decimal(q * stepUnits, s).round(step.scale);
  }

  /** Exact quotient rounded half away from zero to `scale` decimals. */
  divide(other: Decimal, scale: number): Decimal {
    if (other.units === 0n) throw new RangeError('division by zero');
    // this/other = (a·10^-sa)/(b·10^-sb); scaled to 10^-scale: a·10^(scale+sb-sa) / b
    const exp = scale + other.scale - this.scale;
    const num = exp >= 0 ? this.units * 10n ** BigInt(exp) : this.units;
    const den = exp >= 0 ? other.units : other.units * 10n ** BigInt(-exp);
    return new Decimal(divRoundHalfAway(num, den), scale);
  }

  /** Fixed-point text with exactly `scale` decimals (rounded if needed). */
  toFixed(scale: number): string {
    const r = this.round(scale);
    const neg = r.units < 0n;
    const digits = (neg ? -r.units : r.units).toString().padStart(scale + 1, '0');
    const body = scale === 0 ? digits : `${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
    return neg ? `-${body}` : body;
  }

  /** Shortest exact text: "2", "0.25", "12.9". */
  toString(): string {
    let { units, scale } = this as { units: bigint; scale: number };
    while (scale > 0 && units % 10n === 0n) {
      units /= 10n;
      scale -= 1;
    }
    return new Decimal(units, scale).toFixed(scale);
  }

  /** Whole cents; a value with more than two significant decimals is a RangeError (round it first). */
  toCents(): bigint {
    const r = this.round(2);
    if (!r.eq(this)) throw new RangeError(`${this.toString()} is not a whole number of cents`);
    return r.units;
  }

  static ofCents(cents: bigint): Decimal {
    return new Decimal(cents, 2);
  }

  /** Money text: at least two decimals, more only if the value needs them. */
  toMoney(): string {
    const plain = this.toString();
    const dot = plain.indexOf('.');
    const decimals = dot < 0 ? 0 : plain.length - dot - 1;
    return decimals >= 2 ? plain : this.toFixed(2);
  }
}

function divRoundHalfAway(num: bigint, den: bigint): bigint {
  const neg = num < 0n !== den < 0n;
  const n = num < 0n ? -num : num;
  const d = den < 0n ? -den : den;
  let q = n / d;
  if ((n % d) * 2n >= d) q += 1n;
  return neg ? -q : q;
}

function numberToPlain(n: number): string {
  if (!Number.isFinite(n)) throw new RangeError(`not a finite number: ${n}`);
  const text = String(n);
  if (!/e/i.test(text)) return text;
  // Expand exponent notation exactly from the shortest round-trip digits.
  const m = /^(-)?(\d)(?:\.(\d+))?e([+-]\d+)$/i.exec(text);
  if (!m) throw new RangeError(`not a decimal number: ${text}`);
  const digits = m[2] + (m[3] ?? '');
  const exp = Number(m[4]) - (m[3]?.length ?? 0);
  const body =
    exp >= 0
      ? digits + '0'.repeat(exp)
      : digits.length > -exp
        ? `${digits.slice(0, exp)}.${digits.slice(exp)}`
        : `0.${'0'.repeat(-exp - digits.length)}${digits}`;
  return (m[1] ?? '') + body;
}

/**
 * A money amount as a shop sends it ("12.9000", 0.30000000000000004): rounded half-up to the
 * cent. Quantities and rates are not money and keep their decimals (use `Decimal.parse`).
 */
export function parseMoney(input: string | number): Decimal {
  return Decimal.parse(input).round(2);
}

export const CASH_STEP = Decimal.parse('0.05');

/** CHF cash rounding: applies to the payable total only. */
export function cashRound(amount: Decimal): Decimal {
  return amount.roundToStep(CASH_STEP);
}
