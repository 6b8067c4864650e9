import { describe, expect, it } from 'vitest';
import { Command } from 'commander';
import {
  parseFloatFlag, parseIndexList, parseIntFlag, parseSetPair, parseSetPairs, parseStringList,
  parseSupportCounts, supportOption, collect,
} from '../src/cli/options.ts';
import { UserError } from '../src/cli/errors.ts';

describe('parseSupportCounts', () => {
  it('N, A-B and A,B,C', () => {
    expect(parseSupportCounts('3')).toEqual([3]);
    expect(parseSupportCounts('1-5')).toEqual([1, 2, 3, 4, 5]);
    expect(parseSupportCounts(' 2 - 4 ')).toEqual([2, 3, 4]);
    expect(parseSupportCounts('5,1,3,3')).toEqual([1, 3, 5]);
  });
  it('errors name the flag', () => {
    for (const bad of ['0', '5-2', 'a', '1,,2', '', '1-x', '-3', '100']) {
      expect(() => parseSupportCounts(bad, '--support')).toThrow(UserError);
      expect(() => parseSupportCounts(bad, '--support')).toThrow(/^--support: /);
    }
  });
});

describe('other parsers', () => {
  it('index lists, string lists, ints, floats', () => {
    expect(parseIndexList('0,7,19', '--support-views')).toEqual([0, 7, 19]);
    expect(() => parseIndexList('0,7,7', '--support-views')).toThrow(/--support-views: view 7 is listed twice/);
    expect(() => parseIndexList('0,x', '--support-views')).toThrow(/--support-views/);
    expect(parseStringList('a.png, b.png', '--images')).toEqual(['a.png', 'b.png']);
    expect(() => parseStringList('a.png,', '--images')).toThrow(/--images/);
    expect(parseIntFlag('12', '--steps', 1)).toBe(12);
    expect(() => parseIntFlag('1.5', '--steps', 1)).toThrow(/--steps: '1.5' is not a whole number/);
    expect(() => parseIntFlag('0', '--steps', 1)).toThrow(/--steps: must be at least 1/);
    expect(parseFloatFlag('3e-4', '--lr', 0)).toBe(3e-4);
    expect(() => parseFloatFlag('fast', '--lr', 0)).toThrow(/--lr/);
    expect(() => parseFloatFlag('', '--minutes', 0)).toThrow(/--minutes/);
  });
  it('--set key=value parses JSON values and names bad pairs', () => {
    expect(parseSetPair('train.lr=3e-4')).toEqual(['train.lr', 3e-4]);
    expect(parseSetPair('model.sigmas=[8,4]')).toEqual(['model.sigmas', [8, 4]]);
    expect(parseSetPair('model.variant=ipc')).toEqual(['model.variant', 'ipc']);
    expect(parseSetPair('a.b=true')).toEqual(['a.b', true]);
    expect(parseSetPairs(['a=1', 'b=2', 'a=3'])).toEqual({ a: 3, b: 2 });
    expect(() => parseSetPair('train.lr')).toThrow(/--set: expected key=value/);
    expect(() => parseSetPair('=3')).toThrow(/--set/);
    expect(() => parseSetPair('train.lr=')).toThrow(/--set: no value for 'train.lr'/);
    expect(() => parseSetPair('train..lr=1')).toThrow(/--set: 'train..lr' is not a config key/);
  });
  it('commander reports a bad --support naming the option', async () => {
    const errs: string[] = [];
    const program = new Command('x').exitOverride().configureOutput({ writeErr: (s) => errs.push(s), writeOut: () => {} });
    let got: unknown;
    program.addOption(supportOption('support views', [3])).option('--set <kv>', 'override', collect, []).action((o) => { got = o; });
    await program.parseAsync(['node', 'x', '--support', '1-3', '--set', 'a=1', '--set', 'b=2']);
    expect(got).toEqual({ support: [1, 2, 3], set: ['a=1', 'b=2'] });
    await expect(program.parseAsync(['node', 'x', '--support', '0'])).rejects.toThrow();
    expect(errs.join('')).toMatch(/--support <counts>.*'0' is invalid/);
  });
});
