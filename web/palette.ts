// Class colours and names for segmentation maps: the Pascal VOC colour map (each class index's
// bits spread over the high bits of R, G and B), and the label sets DeepLab's exports use.

const VOC = [
  "background", "aeroplane", "bicycle", "bird", "boat", "bottle", "bus", "car", "cat", "chair", "cow",
  "dining table", "dog", "horse", "motorbike", "person", "potted plant", "sheep", "sofa", "train", "tv/monitor",
];
const CITYSCAPES = [
  "road", "sidewalk", "building", "wall", "fence", "pole", "traffic light", "traffic sign", "vegetation", "terrain",
  "sky", "person", "rider", "car", "truck", "bus", "train", "motorcycle", "bicycle",
];

/** The label set a model with `count` classes most likely uses (by DeepLab's conventions). */
export function labelSet(count: number): { name: string; labels: string[] | null } {
  if (count === 21) return { name: "Pascal VOC", labels: VOC };
  if (count === 19) return { name: "Cityscapes", labels: CITYSCAPES };
  return { name: `${count} classes`, labels: null };
}

export function className(labels: string[] | null, c: number): string {
  return labels?.[c] ?? `class ${c}`;
}

/** The Pascal VOC colour of class `c` as [r, g, b]. */
export function colour(c: number): [number, number, number] {
  let r = 0, g = 0, b = 0;
  for (let shift = 7, v = c; v > 0; shift--, v >>= 3) {
    r |= ((v >> 0) & 1) << shift;
    g |= ((v >> 1) & 1) << shift;
    b |= ((v >> 2) & 1) << shift;
  }
  return [r, g, b];
}
