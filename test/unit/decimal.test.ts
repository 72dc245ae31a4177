import assert from 'node:assert/strict';
import { cashRound, Decimal, parseMoney } from '../../src/core/decimal';

const d = (v: string | number) => Decimal.parse(v);

describe('core/decimal', () => {
  it('parses strings and JSON numbers exactly', () => {
    assert.equal(d('12.90').toMoney(), '12.90');
    assert.equal(d(19.9).toMoney(), '19.90');
    assert.equal(d(8.45).toString(), '8.45');
    assert.equal(d(0.1).add(d(0.2)).toString(), '0.3');
    assert.equal(d(1e21).toString(), '1000000000000000000000');
    assert.equal(d(1.5e-7).toString(), '0.00000015');
    assert.equal(d('-3').toFixed(2), '-3.00');
    assert.equal(d('.5').toString(), '0.5');
  });

  it('rejects what is not a decimal', () => {
    for (const bad of ['', 'abc', '1,5', '1.2.3', '1e5', 'NaN']) assert.throws(() => d(bad), /not a decimal/);
    assert.throws(() => d(Number.NaN), /finite/);
    assert.throws(() => d(Infinity), /finite/);
  });

  it('multiplies, compares and rounds half away from zero', () => {
    assert.equal(d('3').mul(d('4.99')).toMoney(), '14.97');
    assert.equal(d('0.005').round(2).toFixed(2), '0.01');
    assert.equal(d('-0.005').round(2).toFixed(2), '-0.01');
    assert.equal(d('0.0049').round(2).toFixed(2), '0.00');
    assert.equal(d('2').cmp(d('2.000')), 0);
    assert.equal(d('2.01').cmp(d('2.001')), 1);
  });

  it('divides to a given scale', () => {
    assert.equal(d('10').divide(d('3'), 2).toFixed(2), '3.33');
    assert.equal(d('15.80').mul(d('10')).divide(d('49.80'), 2).toFixed(2), '3.17');
    assert.throws(() => d('1').divide(d('0'), 2), /zero/);
  });

  it('applies CHF cash rounding to 0.05', () => {
    const cases: Array<[string, string]> = [
      ['14.97', '14.95'],
      ['14.98', '15.00'],
      ['14.975', '15.00'],
      ['14.925', '14.95'],
      ['14.924', '14.90'],
      ['32.80', '32.80'],
      ['0.02', '0.00'],
      ['0.025', '0.05'],
    ];
    for (const [input, out] of cases) assert.equal(cashRound(d(input)).toFixed(2), out, input);
  });

  it('rounds money half-up to the cent, whatever decimals it arrives with', () => {
    const cases: Array<[string | number, string]> = [
      ['12.9000', '12.90'],
      [0.1 + 0.2, '0.30'],
      ['12.905', '12.91'],
      [12.905, '12.91'],
      ['12.9049999', '12.90'],
      ['0.004', '0.00'],
      ['0.005', '0.01'],
      [7, '7.00'],
      ['1', '1.00'],
    ];
    const got = cases.map(([input]) => parseMoney(input).toFixed(2));
    assert.deepEqual(
      got,
      cases.map(([, out]) => out),
    );
  });

  it('converts to and from whole cents exactly', () => {
    assert.deepEqual(
      [d('12.9').toCents(), d('3').toCents(), d('0.05').toCents(), d('-1.10').toCents(), d('2.5000').toCents()],
      [1290n, 300n, 5n, -110n, 250n],
    );
    assert.equal(Decimal.ofCents(1290n).toFixed(2), '12.90');
    assert.equal(Decimal.ofCents(123456789012345678901234567890n).toFixed(2), '1234567890123456789012345678.90');
  });

  it('refuses to take cents from a value with more than two significant decimals', () => {
    assert.throws(() => d('0.125').toCents(), /0\.125 is not a whole number of cents/);
  });
});
