import type { AnyNodeDefinition } from '../engine';
import { CfgNode } from './guidance/cfg';
import { CfgPlusPlusNode } from './guidance/cfg-plus-plus';
import { SigmaScaledCfgNode } from './guidance/sigma-scaled-cfg';
import { CompositeImageNode } from './image/composite-image';
import { ImageToMaskNode } from './image/image-to-mask';
import { LoadImageNode } from './image/load-image';
import { PreviewImageNode } from './image/preview-image';
import { ResizeImageNode } from './image/resize-image';
import { SaveImageNode } from './image/save-image';
import { VaeDecodeNode } from './image/vae-decode';
import { VaeEncodeNode } from './image/vae-encode';
import { LayoutBoxesNode } from './layout/layout-boxes';
import { LayoutFromMaskNode } from './layout/layout-from-mask';
import { MaskFromLayoutNode } from './layout/mask-from-layout';
import { LoadModelNode } from './model/load-model';
import { AddResidualNode } from './residual/add-residual';
import { LoadResidualNode } from './residual/load-residual';
import { GuidedSamplerNode } from './sampling/guided-sampler';
import { EncodeNode } from './text/encode';
import { TokenizeNode } from './text/tokenize';
import { IntegerNode } from './util/integer';
import { MathNode } from './util/math';
import { NumberNode } from './util/number';
import { SaveTextNode } from './util/save-text';
import { ShowTextNode } from './util/show-text';
import { TextNode } from './util/text';
import { TextTemplateNode } from './util/text-template';

/** Every node type this package ships, listed explicitly (no folder scanning). Order = the editor's menu order. */
export const ALL_NODES: readonly AnyNodeDefinition[] = [
  // pipeline stages, in the order they are wired
  LoadModelNode,
  TokenizeNode,
  EncodeNode,
  LoadResidualNode,
  AddResidualNode,
  LayoutBoxesNode,
  LayoutFromMaskNode,
  CfgNode,
  CfgPlusPlusNode,
  SigmaScaledCfgNode,
  LoadImageNode,
  ResizeImageNode,
  VaeEncodeNode,
  ImageToMaskNode,
  MaskFromLayoutNode,
  GuidedSamplerNode,
  VaeDecodeNode,
  CompositeImageNode,
  SaveImageNode,
  PreviewImageNode,
  // plain values
  NumberNode,
  IntegerNode,
  TextNode,
  MathNode,
  TextTemplateNode,
  SaveTextNode,
  ShowTextNode,
];
