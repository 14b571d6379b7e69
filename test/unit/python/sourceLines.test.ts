import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import type { LayerReport } from '../../../src/engine/report';
import { scanPython, type PythonModel } from '../../../src/layers/sourceMatch';
import {
  hoverMarkdown,
  layerStatistics,
  lineProblems,
  sourceLines,
  type SourceLine,
} from '../../../src/ui/sourceLines';
import { fixture, lineOf } from './helpers';
import { gptReports } from './reports';

const MODEL = 'file:///ws/weights/gpt.safetensors';
const INIT = 'file:///ws/weights/gpt-init.safetensors';
const GPT_PY = 'file:///ws/gpt.py';
const fileName = (uri: string) => uri.slice(uri.lastIndexOf('/') + 1);
const link = (file: string, layers: string[]) =>
  `command:show?${encodeURIComponent(JSON.stringify([file, layers]))}`;

describe('source lines of a report', () => {
  const source = fixture('gpt.py');
  let layers: LayerReport[];
  let lines: SourceLine[];
  const at = (text: string | RegExp) => lines.find((l) => l.line === lineOf(source, text))!;

  before(async () => {
    layers = await gptReports();
    const models = new Map<string, PythonModel>([[GPT_PY, scanPython(source, GPT_PY)]]);
    lines = sourceLines(models, new Map([[MODEL, { layers }]])).get(GPT_PY) ?? [];
  });

  test('the synthetic layers have the verdicts the tests rely on', () => {
    const labels = Object.fromEntries(layers.map((l) => [l.name, l.verdict.label]));
    assert.deepEqual(labels, {
      'transformer.wte.weight': 'random',
      'transformer.h.0.attn.c_attn.weight': 'bulk random, spikes',
      'transformer.h.0.attn.c_proj.weight': 'deviating',
      'transformer.h.0.mlp.c_fc.weight': 'bulk random, spikes',
      'transformer.h.1.mlp.c_fc.weight': 'deviating',
    });
  });

  test('every analysed layer lands on its line, in line order; a loop-built layer gathers its instances', () => {
    assert.deepEqual(
      lines.map((l) => [l.line, l.layers.map((x) => x.layer.name)]),
      [
        [lineOf(source, 'self.c_attn ='), ['transformer.h.0.attn.c_attn.weight']],
        [lineOf(source, 'self.c_proj = nn.Linear(config'), ['transformer.h.0.attn.c_proj.weight']],
        [
          lineOf(source, 'self.c_fc ='),
          ['transformer.h.0.mlp.c_fc.weight', 'transformer.h.1.mlp.c_fc.weight'],
        ],
        [lineOf(source, 'wte = nn.Embedding'), ['transformer.wte.weight']],
      ],
    );
    const line = source.split('\n')[at('self.c_attn =').line];
    const entry = at('self.c_attn =');
    assert.equal(line.slice(entry.startColumn, entry.endColumn), 'self.c_attn = nn.Linear');
  });

  test('problems: none for a random layer, information for spikes, warning when deviating', () => {
    assert.deepEqual(lineProblems(at('wte = nn.Embedding'), fileName), []);
    const [spikes] = lineProblems(at('self.c_attn ='), fileName);
    assert.equal(spikes.severity, 'information');
    assert.equal(spikes.code, 'rmt.spikes');
    assert.equal(spikes.weightFile, MODEL);
    const layer = layers[1];
    assert.equal(
      spikes.message,
      `transformer.h.0.attn.c_attn.weight [192×64]: ${layer.verdict.summary} — ${layer.verdict.reasons.join('; ')}`,
    );
    const [deviating] = lineProblems(at('self.c_proj = nn.Linear(config'), fileName);
    assert.equal(deviating.severity, 'warning');
  });

  test('one problem per line: the worst layer leads, the others are counted', () => {
    const problems = lineProblems(at('self.c_fc ='), fileName);
    assert.equal(problems.length, 1);
    assert.equal(problems[0].severity, 'warning');
    assert.match(problems[0].message, /^transformer\.h\.1\.mlp\.c_fc\.weight \[256×64\]: deviating/);
    assert.match(
      problems[0].message,
      /\(and 1 more layer defined here: transformer\.h\.0\.mlp\.c_fc\.weight: bulk random/,
    );
  });

  test('two weight files: one problem each, naming its file', () => {
    const models = new Map([[GPT_PY, scanPython(source, GPT_PY)]]);
    const reports = new Map([
      [MODEL, { layers: [layers[1]] }],
      [INIT, { layers: [layers[1]] }],
    ]);
    const [line] = sourceLines(models, reports).get(GPT_PY)!;
    const problems = lineProblems(line, fileName);
    assert.deepEqual(
      problems.map((p) => p.weightFile),
      [MODEL, INIT],
    );
    assert.ok(problems[0].message.endsWith('[gpt.safetensors]'), problems[0].message);
    assert.ok(problems[1].message.endsWith('[gpt-init.safetensors]'), problems[1].message);
  });

  test('an ambiguous match is shown on every candidate and says so', () => {
    const other = 'file:///ws/lora.py';
    const models = new Map([
      [GPT_PY, scanPython(source, GPT_PY)],
      [
        other,
        scanPython(
          'import torch.nn as nn\nclass Lora(nn.Module):\n    def __init__(s):\n        self.c_attn = nn.Linear(a, b)\n',
          other,
        ),
      ],
    ]);
    const renamed = { ...layers[1], name: 'c_attn.weight', tensor: 'c_attn.weight' };
    const byFile = sourceLines(models, new Map([[MODEL, { layers: [renamed] }]]));
    assert.deepEqual([...byFile.keys()].sort(), [other, GPT_PY].sort());
    for (const [line] of byFile.values()) {
      const [problem] = lineProblems(line, fileName);
      assert.match(problem.message, /ambiguous: 2 definitions in the workspace match c_attn\.weight/);
    }
  });

  test('hover of one layer: every statistic of the report, the reasons and a link to the plots', () => {
    const markdown = hoverMarkdown(at('self.c_attn ='), fileName, link);
    const layer = layers[1];
    for (const label of ['verdict', 'σ (MP fit)', 'TW threshold', 'spectral norm ‖W‖₂', 'Frobenius norm']) {
      assert.ok(markdown.includes(label), `${label} missing:\n${markdown}`);
    }
    assert.ok(
      layer.spacingRatio && layer.hill && layer.porterThomas,
      'a 192×64 layer has the full statistics',
    );
    for (const label of ['⟨r̃⟩', 'Hill α', 'Porter–Thomas failures', 'KS p, bulk vs MP']) {
      assert.ok(markdown.includes(label), `${label} missing:\n${markdown}`);
    }
    assert.ok(markdown.includes(`| outliers above TW (95 %) | ${layer.mp.outliers} |`), markdown);
    assert.ok(markdown.includes('gpt.safetensors'));
    assert.ok(markdown.includes(link(MODEL, ['transformer.h.0.attn.c_attn.weight'])));
    assert.ok(markdown.includes(`- ${layer.verdict.reasons[0].replace(/_/g, '\\_')}`));
  });

  test('hover of a loop-built layer: one row per instance', () => {
    const markdown = hoverMarkdown(at('self.c_fc ='), fileName, link);
    assert.match(markdown, /2 layers of gpt\.safetensors are defined here/);
    assert.match(
      markdown,
      /\| `transformer\.h\.0\.mlp\.c_fc\.weight` \| 256×64 \| bulk random, \d spikes \|/,
    );
    assert.match(markdown, /\| `transformer\.h\.1\.mlp\.c_fc\.weight` \| 256×64 \| deviating \|/);
  });

  test('statistics absent from a small layer are left out, not shown as blanks', () => {
    const small = { ...layers[1] };
    delete small.spacingRatio;
    delete small.hill;
    delete small.powerLaw;
    const labels = layerStatistics(small).map(([label]) => label);
    assert.ok(!labels.includes('Hill α') && !labels.some((l) => l.startsWith('⟨r̃⟩')));
    assert.ok(labels.includes('TW threshold'));
  });
});
