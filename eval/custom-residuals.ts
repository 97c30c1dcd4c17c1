/**
 * The custom subjects' residuals shipped with the model (models/shapes/residuals/<subject>.safetensors, written by
 * training/train_residual.py). A file is used when its name is a known subject (detect/palette.ts CUSTOM_SUBJECTS)
 * and its base word, when recorded, is that subject's; anything else is listed in the notes and skipped.
 */
import { existsSync, readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { checkResidualWidth, readResidual } from '../diffusion/residuals';
import { CUSTOM_SUBJECTS, type CustomSubjectName } from './detect/palette';

export interface CustomResiduals {
  vectors: Partial<Record<CustomSubjectName, Float32Array>>;
  notes: string[];
}

export function loadCustomResiduals(dir: string, textWidth: number): CustomResiduals {
  const vectors: CustomResiduals['vectors'] = {};
  const notes: string[] = [];
  if (!existsSync(dir)) return { vectors, notes: [`no residual folder at ${dir}: custom subjects not measured`] };
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.safetensors')).sort()) {
    const name = basename(file, '.safetensors');
    if (!(name in CUSTOM_SUBJECTS)) { notes.push(`${file}: not a known custom subject, skipped`); continue; }
    const subject = CUSTOM_SUBJECTS[name as CustomSubjectName];
    const residual = readResidual(join(dir, file));
    checkResidualWidth(residual, textWidth, { residual: file });
    if (residual.baseWord && residual.baseWord !== subject.baseWord) { notes.push(`${file}: base word "${residual.baseWord}", expected "${subject.baseWord}", skipped`); continue; }
    vectors[name as CustomSubjectName] = residual.vector;
    notes.push(`${file}: residual on "${subject.baseWord}" (${subject.colour}, ${subject.pattern})`);
  }
  return { vectors, notes };
}
