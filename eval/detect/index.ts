/** Public surface of the shapes-world detector. */
export { detect, dominantBorderColour, labelPixels, COLOUR_TOLERANCE, FOREGROUND_DISTANCE, MIN_COVERAGE, MIN_OBJECT_AREA, LABEL_BACKGROUND, LABEL_OTHER, LABEL_WHITE } from './detect';
export type { Blob, Detection, DetectedObject } from './detect';
export { classifyShape, SHAPE_PROTOTYPES } from './classify';
export { shapeFeatures, pixelStats, hullArea, type ShapeFeatures, type PixelStats } from './features';
export { labelComponents, close3, dilate, erode } from './components';
export { renderScene, randomScene, shapeTest, IMAGE_SIZE, OBJECT_SIZE_RANGE, type SceneObject, type RenderedScene } from './render';
export { validateDetector, type DetectorAccuracy } from './validate';
export { patternScore, referencePatternScore, recognitionThreshold, PATTERN_WHITE_TOLERANCE, RECOGNITION_FRACTION, RECOGNITION_RENDERS, RECOGNITION_SEED } from './pattern';
export * from './palette';
export { silhouette, silhouetteShape, SILHOUETTE_CLOSING } from './silhouette';
