import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  findLayerDefinitions,
  matchLayers,
  mergeModels,
  modulePath,
  scanPython,
  type MatchableLayer,
  type SourceMatch,
} from '../../../src/layers/sourceMatch';
import { fixture, lineOf, plannedLayers } from './helpers';

/** layer name → the 0-based lines it matched, with the number of candidates. */
function byLayer(
  matches: SourceMatch<MatchableLayer>[],
): Map<string, { lines: number[]; candidates: number }> {
  const out = new Map<string, { lines: number[]; candidates: number }>();
  for (const m of matches) {
    const entry = out.get(m.layer.name) ?? { lines: [], candidates: m.candidates };
    entry.lines.push(m.definition.line);
    out.set(m.layer.name, entry);
  }
  return out;
}

describe('modulePath', () => {
  test('PyTorch state-dict names', () => {
    assert.deepEqual(modulePath('encoder.layers.0.fc1.weight'), {
      path: ['encoder', 'layers', '0', 'fc1'],
      role: 'weight',
    });
    assert.deepEqual(modulePath('lstm.weight_ih_l0'), { path: ['lstm'], role: 'input' });
    assert.deepEqual(modulePath('lstm.weight_hh_l1_reverse'), { path: ['lstm'], role: 'recurrent' });
    assert.deepEqual(modulePath('attn.in_proj_weight'), { path: ['attn'], role: 'inProjection' });
    assert.deepEqual(modulePath('fc.parametrizations.weight.original'), { path: ['fc'], role: 'weight' });
    assert.deepEqual(modulePath('fc.weight_orig'), { path: ['fc'], role: 'weight' });
  });

  test('slices of stacked and convolution tensors name their tensor', () => {
    assert.deepEqual(modulePath('features.3.weight[1,2]')?.path, ['features', '3']);
    assert.deepEqual(modulePath('proj.weight[7]')?.path, ['proj']);
  });

  test('Keras 2, Keras 3 and TF.js names', () => {
    assert.deepEqual(modulePath('dense_1/dense_1/kernel:0'), { path: ['dense_1'], role: 'weight' });
    assert.deepEqual(modulePath('emb/emb/embeddings:0'), { path: ['emb'], role: 'weight' });
    assert.deepEqual(modulePath('lstm/lstm/recurrent_kernel:0'), { path: ['lstm'], role: 'recurrent' });
    assert.deepEqual(modulePath('layers/dense_1/vars/0'), { path: ['layers', 'dense_1'], role: 'unknown' });
    assert.deepEqual(modulePath('hidden/kernel'), { path: ['hidden'], role: 'weight' });
  });

  test('names that end in no known weight give nothing', () => {
    for (const name of ['arr_0', 'onnx::MatMul_123', 'fc.bias', 'weight', 'layers/dense/vars']) {
      assert.equal(modulePath(name), undefined, name);
    }
  });
});

describe('findLayerDefinitions', () => {
  test('the GPT fixture: attributes, classes, ModuleDict keywords; not the docstring', () => {
    const source = fixture('gpt.py');
    const found = findLayerDefinitions(source, 'gpt.py').map((d) => [d.className, d.path.join('.'), d.type]);
    assert.deepEqual(found, [
      ['CausalSelfAttention', 'c_attn', 'Linear'],
      ['CausalSelfAttention', 'c_proj', 'Linear'],
      ['MLP', 'c_fc', 'Linear'],
      ['MLP', 'c_proj', 'Linear'],
      ['GPT', 'transformer.wte', 'Embedding'],
      ['GPT', 'transformer.wpe', 'Embedding'],
      ['GPT', 'lm_head', 'Linear'],
    ]);
  });

  test('positions: the call line, from the attribute to the end of the constructor', () => {
    const source = fixture('gpt.py');
    const defs = findLayerDefinitions(source, 'gpt.py');
    const mlpProj = defs.find((d) => d.className === 'MLP' && d.attribute === 'c_proj')!;
    const line = lineOf(source, /self\.c_proj = nn\.Linear\($/);
    assert.equal(mlpProj.line, line);
    const text = source.split('\n')[line];
    assert.equal(text.slice(mlpProj.startColumn, mlpProj.endColumn), 'self.c_proj = nn.Linear');
    const wte = defs.find((d) => d.attribute === 'wte')!;
    assert.equal(source.split('\n')[wte.line].slice(wte.startColumn, wte.endColumn), 'wte = nn.Embedding');
    assert.equal(wte.file, 'gpt.py');
  });

  test('submodules: which class holds which, under which path', () => {
    const { submodules } = scanPython(fixture('gpt.py'));
    const own = submodules
      .filter((s) => ['CausalSelfAttention', 'MLP', 'Block'].includes(s.type))
      .map((s) => [s.className, s.path.join('.'), s.type]);
    assert.deepEqual(own, [
      ['Block', 'attn', 'CausalSelfAttention'],
      ['Block', 'mlp', 'MLP'],
      ['GPT', 'transformer.h.*', 'Block'],
    ]);
  });

  test('the CNN fixture: Sequential indices, OrderedDict names, generator ModuleList, helpers', () => {
    const defs = findLayerDefinitions(fixture('cnn.py'));
    const summary = defs.filter((d) => d.path.length).map((d) => [d.className, d.path.join('.'), d.callee]);
    assert.deepEqual(summary, [
      ['BasicBlock', 'conv1', 'conv3x3'],
      ['BasicBlock', 'conv2', 'conv3x3'],
      ['Bottleneck', 'conv1', 'conv1x1'],
      ['Bottleneck', 'conv2', 'conv3x3'],
      ['Bottleneck', 'conv3', 'conv1x1'],
      ['ResNet', 'conv1', 'nn.Conv2d'],
      ['ResNet', 'fc', 'nn.Linear'],
      ['ResNet', 'downsample.0', 'conv1x1'],
      ['SmallCNN', 'features.0', 'nn.Conv2d'],
      ['SmallCNN', 'features.3', 'nn.Conv2d'],
      ['SmallCNN', 'classifier.fc1', 'nn.Linear'],
      ['SmallCNN', 'classifier.fc2', 'nn.Linear'],
      ['SmallCNN', 'heads.*', 'nn.Linear'],
      ['SmallCNN', 'proj', 'nn.Conv1d'],
    ]);
    // The helpers' own bodies are definitions too, but with no path: nothing can match them.
    assert.equal(defs.filter((d) => !d.path.length).length, 2);
  });

  test('literal arguments: positional, keyword, tuples, module constants, helper parameters', () => {
    const defs = findLayerDefinitions(fixture('cnn.py'));
    const at = (path: string, className?: string) =>
      defs.find((d) => d.path.join('.') === path && (!className || d.className === className))!.args;
    assert.deepEqual(at('features.0'), { in_channels: 1, out_channels: 32, kernel_size: 3, padding: 1 });
    assert.deepEqual(at('features.3'), { in_channels: 32, out_channels: 64, kernel_size: [3, 5] });
    assert.deepEqual(at('classifier.fc1'), { in_features: 64 * 7 * 7, out_features: 128 });
    assert.deepEqual(at('classifier.fc2'), { in_features: 128, out_features: 10 });
    assert.deepEqual(at('conv1', 'ResNet'), { in_channels: 3, kernel_size: 7, stride: 2, padding: 3 });
    // conv3x3(inplanes, planes, stride): runtime values stay unknown, the helper's literals are kept.
    assert.deepEqual(at('conv1', 'BasicBlock'), { kernel_size: 3, padding: 1, groups: 1, dilation: 1 });
    assert.deepEqual(at('conv2', 'BasicBlock'), {
      kernel_size: 3,
      stride: 1,
      padding: 1,
      groups: 1,
      dilation: 1,
    });
  });

  test('Keras functional model: name=, framework and arguments', () => {
    const defs = findLayerDefinitions(fixture('keras_functional.py'));
    const summary = defs.map((d) => [d.name ?? d.path.join('.'), d.type, d.framework, d.args]);
    assert.deepEqual(summary, [
      ['conv1', 'Conv2D', 'keras', { filters: 32, kernel_size: 3 }],
      ['conv2', 'Conv2D', 'keras', { filters: 64, kernel_size: [3, 3] }],
      ['token_embedding', 'Embedding', 'keras', { input_dim: 1000, output_dim: 64 }],
      ['encoder', 'LSTM', 'keras', { units: 32 }],
      ['hidden', 'Dense', 'keras', { units: 128 }],
      ['logits', 'Dense', 'keras', { units: 10 }],
      ['proj', 'Dense', 'keras', {}],
    ]);
    // A functional application `Dense(…)(x)` is not an assignment of the layer to `x`.
    assert.deepEqual(defs.find((d) => d.name === 'hidden')?.path, []);
  });

  test('strings, comments and continuations do not confuse the scanner', () => {
    const source = [
      'import torch.nn as nn',
      'class M(nn.Module):',
      '    def __init__(self):',
      '        s = "self.a = nn.Linear(1, 2)"  # self.b = nn.Linear(3, 4)',
      "        t = f'''{x}",
      "        self.c = nn.Linear(5, 6)'''",
      '        self.d = \\',
      '            nn.Linear(7, 8)',
      '        self.e = nn.Embedding(num_embeddings=0x10, embedding_dim=2 ** 3)  # ** is not literal',
      '        self.f = nn.Linear(in_features=(2 + 3) * 4, out_features=-(-9 // 2))',
    ].join('\n');
    const defs = findLayerDefinitions(source);
    assert.deepEqual(
      defs.map((d) => [d.attribute, d.line, d.args]),
      [
        ['d', 7, { in_features: 7, out_features: 8 }],
        ['e', 8, {}],
        ['f', 9, { in_features: 20, out_features: 5 }],
      ],
    );
  });

  test('a file that does not parse yields what it can, and never throws', () => {
    const defs = findLayerDefinitions(
      'class A:\n    def f(self):\n        self.x = nn.Linear(1, 2\n    "unterminated',
    );
    assert.ok(Array.isArray(defs));
    assert.deepEqual(findLayerDefinitions(''), []);
  });

  test('append in a loop, add_module, annotations and wrappers', () => {
    const source = [
      'import torch.nn as nn',
      'from torch.nn.utils import weight_norm',
      'class M(nn.Module):',
      '    def __init__(self):',
      '        self.blocks = nn.ModuleList()',
      '        for _ in range(3):',
      '            self.blocks.append(nn.Linear(8, 8))',
      "        self.add_module('extra', nn.Linear(8, 4))",
      '        self.typed: nn.Linear = nn.Linear(4, 2)',
      '        self.wn = weight_norm(nn.Linear(2, 2))',
      '        self.seq = nn.Sequential(*[nn.Linear(2, 2) for _ in range(2)])',
    ].join('\n');
    assert.deepEqual(
      findLayerDefinitions(source).map((d) => d.path.join('.')),
      ['blocks.*', 'extra', 'typed', 'wn', 'seq.*'],
    );
  });
});

describe('matchLayers: GPT', () => {
  const source = fixture('gpt.py');
  const model = scanPython(source, 'gpt.py');
  const E = 64;
  const tensors = [
    { name: 'transformer.wte.weight', shape: [100, E] },
    { name: 'transformer.wpe.weight', shape: [32, E] },
    ...[0, 1].flatMap((i) => [
      { name: `transformer.h.${i}.ln_1.weight`, shape: [E] },
      { name: `transformer.h.${i}.attn.c_attn.weight`, shape: [3 * E, E] },
      { name: `transformer.h.${i}.attn.c_proj.weight`, shape: [E, E] },
      { name: `transformer.h.${i}.mlp.c_fc.weight`, shape: [4 * E, E] },
      { name: `transformer.h.${i}.mlp.c_proj.weight`, shape: [E, 4 * E] },
    ]),
    { name: 'lm_head.weight', shape: [100, E] },
  ];
  const layers = plannedLayers(tensors);

  test('every weight matrix finds its line, unambiguously, explained to the root', () => {
    const matches = matchLayers(model, { layers });
    assert.equal(matches.length, layers.length);
    for (const m of matches) {
      assert.equal(m.candidates, 1, m.layer.name);
      assert.equal(m.explained, modulePath(m.layer.name)!.path.length, m.layer.name);
      assert.equal(m.shape, 'unchecked', 'the GPT sizes come from the config');
    }
    const lines = byLayer(matches);
    const at = (text: string) => [lineOf(source, text)];
    assert.deepEqual(lines.get('transformer.wte.weight')?.lines, at('wte = nn.Embedding'));
    assert.deepEqual(lines.get('lm_head.weight')?.lines, at('self.lm_head = nn.Linear'));
    assert.deepEqual(lines.get('transformer.h.1.attn.c_attn.weight')?.lines, at('self.c_attn = nn.Linear'));
  });

  test('c_proj of the attention and c_proj of the MLP: the class chain tells them apart', () => {
    const lines = byLayer(matchLayers(model, { layers }));
    const attnProj = lineOf(source, 'self.c_proj = nn.Linear(config.n_embd, config.n_embd');
    const mlpProj = lineOf(source, /self\.c_proj = nn\.Linear\($/);
    assert.notEqual(attnProj, mlpProj);
    for (const i of [0, 1]) {
      assert.deepEqual(lines.get(`transformer.h.${i}.attn.c_proj.weight`)?.lines, [attnProj]);
      assert.deepEqual(lines.get(`transformer.h.${i}.mlp.c_proj.weight`)?.lines, [mlpProj]);
    }
  });

  test('a name the classes cannot place stays ambiguous and says so', () => {
    const [layer] = plannedLayers([{ name: 'c_proj.weight', shape: [E, E] }]);
    const matches = matchLayers(model, { layers: [layer] });
    assert.equal(matches.length, 2);
    assert.ok(matches.every((m) => m.candidates === 2));
  });

  test('prefixes the classes do not know (a wrapper, DDP) leave the match intact', () => {
    const [layer] = plannedLayers([
      { name: 'module._orig_mod.transformer.h.3.mlp.c_fc.weight', shape: [4 * E, E] },
    ]);
    const [m, ...rest] = matchLayers(model, { layers: [layer] });
    assert.equal(rest.length, 0);
    assert.equal(m.definition.attribute, 'c_fc');
    assert.equal(m.explained, 5);
  });

  test('across files: literal sizes decide between equally placed definitions', () => {
    const other = scanPython(
      [
        'import torch.nn as nn',
        'class Adapter(nn.Module):',
        '    def __init__(self, d):',
        '        self.fc1 = nn.Linear(64, 128)',
        'class Probe(nn.Module):',
        '    def __init__(self, d):',
        '        self.fc1 = nn.Linear(32, 128)',
        'class Head(nn.Module):',
        '    def __init__(self, d, h):',
        '        self.fc1 = nn.Linear(d, h)',
      ].join('\n'),
      'adapters.py',
    );
    const merged = mergeModels([model, other]);
    const [layer] = plannedLayers([{ name: 'fc1.weight', shape: [128, 64] }]);
    const matches = matchLayers(merged, { layers: [layer] });
    assert.deepEqual(
      matches.map((m) => [m.definition.className, m.shape, m.candidates, m.definition.file]),
      [['Adapter', 'agrees', 1, 'adapters.py']],
    );
    // No literal agrees: Probe's disagrees and drops out, Head's could not be checked and is kept.
    const [wide] = plannedLayers([{ name: 'fc1.weight', shape: [128, 16] }]);
    assert.deepEqual(
      matchLayers(merged, { layers: [wide] }).map((m) => [m.definition.className, m.shape]),
      [['Head', 'unchecked']],
    );
  });
});

describe('matchLayers: GPT-2 (transformers Conv1D, stored [in, out])', () => {
  const source = [
    'import torch.nn as nn',
    'from transformers.pytorch_utils import Conv1D',
    'class GPT2Attention(nn.Module):',
    '    def __init__(self, config):',
    '        self.c_attn = Conv1D(3 * 768, 768)',
    '        self.c_proj = Conv1D(768, 768)',
  ].join('\n');

  test('Conv1D in a PyTorch file is the transposed linear layer, not a Keras convolution', () => {
    const [def] = findLayerDefinitions(source);
    assert.deepEqual(
      [def.type, def.framework, def.args],
      ['TransformersConv1D', 'torch', { nf: 2304, nx: 768 }],
    );
    const layers = plannedLayers([
      { name: 'transformer.h.0.attn.c_attn.weight', shape: [768, 2304] },
      { name: 'transformer.h.0.attn.c_proj.weight', shape: [768, 768] },
    ]);
    const matches = matchLayers(scanPython(source), { layers });
    assert.deepEqual(
      matches.map((m) => [m.definition.attribute, m.shape]),
      [
        ['c_attn', 'agrees'],
        ['c_proj', 'agrees'],
      ],
    );
    const wrong = plannedLayers([{ name: 'h.0.attn.c_attn.weight', shape: [2304, 768] }]);
    assert.deepEqual(matchLayers(scanPython(source), { layers: wrong }), []);
  });

  test('with a Keras prefix it stays the Keras convolution', () => {
    const [def] = findLayerDefinitions('import torch\nx = layers.Conv1D(16, 3, name="c")(x)');
    assert.deepEqual([def.type, def.framework], ['Conv1D', 'keras']);
  });
});

describe('matchLayers: CNN', () => {
  const source = fixture('cnn.py');
  const model = scanPython(source, 'cnn.py');
  const resnet = [
    { name: 'conv1.weight', shape: [64, 3, 7, 7] },
    { name: 'bn1.weight', shape: [64] },
    { name: 'layer1.0.conv1.weight', shape: [64, 64, 3, 3] },
    { name: 'layer1.0.conv2.weight', shape: [64, 64, 3, 3] },
    { name: 'layer2.0.conv1.weight', shape: [128, 64, 3, 3] },
    { name: 'layer2.0.downsample.0.weight', shape: [128, 64, 1, 1] },
    { name: 'layer2.0.downsample.1.weight', shape: [128] },
    { name: 'layer3.0.conv1.weight', shape: [64, 128, 1, 1] },
    { name: 'fc.weight', shape: [10, 128] },
  ];

  test('ResNet: the stem conv1 and the blocks conv1 are told apart by their kernels', () => {
    const lines = byLayer(matchLayers(model, { layers: plannedLayers(resnet) }));
    const stem = lineOf(source, 'self.conv1 = nn.Conv2d(IMAGE_CHANNELS');
    const block = lineOf(source, 'self.conv1 = conv3x3');
    const bottleneck = lineOf(source, 'self.conv1 = conv1x1');
    assert.deepEqual(lines.get('conv1.weight'), { lines: [stem], candidates: 1 });
    assert.deepEqual(lines.get('layer1.0.conv1.weight'), { lines: [block], candidates: 1 });
    assert.deepEqual(lines.get('layer2.0.conv1.weight'), { lines: [block], candidates: 1 });
    // A 1×1 kernel: only the Bottleneck's conv1 can be it (its size is not literal, the others' are).
    assert.deepEqual(lines.get('layer3.0.conv1.weight'), { lines: [bottleneck], candidates: 1 });
    // Both blocks build conv2 with conv3x3: nothing in the file tells which block the model used.
    assert.deepEqual(lines.get('layer1.0.conv2.weight'), {
      lines: [lineOf(source, 'self.conv2 = conv3x3(planes'), lineOf(source, 'self.conv2 = conv3x3(width')],
      candidates: 2,
    });
    assert.deepEqual(lines.get('layer2.0.downsample.0.weight')?.lines, [
      lineOf(source, 'conv1x1(self.inplanes'),
    ]);
    assert.deepEqual(lines.get('fc.weight')?.lines, [lineOf(source, 'self.fc = nn.Linear')]);
    assert.equal(lines.size, 7);
  });

  const small = [
    { name: 'features.0.weight', shape: [32, 1, 3, 3] },
    { name: 'features.3.weight', shape: [64, 32, 3, 5] },
    { name: 'classifier.fc1.weight', shape: [128, 3136] },
    { name: 'classifier.fc2.weight', shape: [10, 128] },
    { name: 'heads.0.weight', shape: [2, 128] },
    { name: 'heads.2.weight', shape: [2, 128] },
  ];

  test('SmallCNN under every conv mode: literal sizes agree with im2col, slices and kernel matrices', () => {
    for (const mode of ['im2col', 'slices', 'kernel'] as const) {
      const layers = plannedLayers(small, mode);
      const matches = matchLayers(model, { layers });
      assert.equal(matches.length, layers.length, mode);
      for (const m of matches) {
        assert.equal(m.shape, 'agrees', `${mode}: ${m.layer.name} ${m.layer.shape} (${m.layer.layout})`);
        assert.equal(m.candidates, 1);
      }
      const lines = byLayer(matches);
      assert.deepEqual(lines.get('classifier.fc1.weight')?.lines, [lineOf(source, "('fc1'")]);
    }
  });

  test('a checkpoint of another size does not match the literal definition', () => {
    const layers = plannedLayers([
      { name: 'features.3.weight', shape: [64, 16, 3, 5] },
      { name: 'classifier.fc2.weight', shape: [100, 128] },
      { name: 'features.0.weight', shape: [32, 1, 5, 5] },
    ]);
    assert.deepEqual(matchLayers(model, { layers }), []);
  });

  test('Conv1d with groups: checked when the file says conv, unchecked as a stack of matrices', () => {
    const asConv = plannedLayers([{ name: 'proj.weight', shape: [16, 16, 5], conv: true }]);
    const [m] = matchLayers(model, { layers: asConv });
    assert.equal(m.shape, 'agrees');
    assert.deepEqual(asConv[0].shape, [16, 80]);
    const stacked = plannedLayers([{ name: 'proj.weight', shape: [16, 16, 5] }]);
    const matches = matchLayers(model, { layers: stacked });
    assert.equal(matches.length, 16);
    assert.ok(matches.every((x) => x.shape === 'unchecked' && x.definition.attribute === 'proj'));
  });

  test('a linear layer never matches a convolution kernel and vice versa', () => {
    const defs = findLayerDefinitions(
      'import torch.nn as nn\nclass A:\n  def f(self):\n    self.x = nn.Linear(a, b)',
    );
    assert.deepEqual(
      matchLayers(defs, { layers: plannedLayers([{ name: 'x.weight', shape: [4, 4, 3, 3] }]) }),
      [],
    );
    assert.equal(
      matchLayers(defs, { layers: plannedLayers([{ name: 'x.weight', shape: [4, 4] }]) }).length,
      1,
    );
  });
});

describe('matchLayers: Keras', () => {
  const source = fixture('keras_functional.py');
  const model = scanPython(source, 'keras_functional.py');
  const keras = (name: string, shape: number[]) => ({ name, shape, layout: 'keras' as const });

  test('Keras 2 (h5) names: conv im2col, Dense, Embedding and LSTM, transposed as the planner does', () => {
    const layers = plannedLayers([
      keras('conv1/conv1/kernel:0', [3, 3, 1, 32]),
      keras('conv2/conv2/kernel:0', [3, 3, 32, 64]),
      keras('token_embedding/token_embedding/embeddings:0', [1000, 64]),
      keras('encoder/encoder/kernel:0', [64, 128]),
      keras('encoder/encoder/recurrent_kernel:0', [32, 128]),
      keras('hidden/hidden/kernel:0', [9248, 128]),
      keras('logits/logits/kernel:0', [128, 10]),
    ]);
    const matches = matchLayers(model, { layers });
    assert.equal(matches.length, layers.length);
    for (const m of matches) {
      assert.equal(m.shape, 'agrees', `${m.layer.name} ${m.layer.shape}`);
      assert.equal(m.definition.name, modulePath(m.layer.name)!.path[0]);
    }
    assert.deepEqual(byLayer(matches).get('logits/logits/kernel:0')?.lines, [
      lineOf(source, 'name="logits"'),
    ]);
  });

  test('Keras 3 (.keras) and TF.js names', () => {
    const layers = plannedLayers([
      keras('layers/conv2/vars/0', [3, 3, 32, 64]),
      keras('layers/hidden/vars/0', [9248, 128]),
      keras('hidden/kernel', [9248, 128]),
    ]);
    const matches = matchLayers(model, { layers });
    assert.deepEqual(
      matches.map((m) => [m.layer.name, m.definition.name, m.shape]),
      [
        ['layers/conv2/vars/0', 'conv2', 'agrees'],
        ['layers/hidden/vars/0', 'hidden', 'agrees'],
        ['hidden/kernel', 'hidden', 'agrees'],
      ],
    );
  });

  test('units that disagree drop the match', () => {
    const layers = plannedLayers([keras('logits/logits/kernel:0', [128, 12])]);
    assert.deepEqual(matchLayers(model, { layers }), []);
  });
});
