/**
 * Published results on exactly the files the evaluation reads (full ranking). Shown beside the
 * measured rows, labelled "published", never mixed with them. A missing value is null.
 */
export interface PublishedRow {
  model: string;
  metrics: Record<string, number | null>;
  source: string;
}

const S3REC = 'S3-Rec repository all_rank.PNG (RUCAIBox/CIKM2020-S3Rec)';
const ICLREC = 'ICLRec README (salesforce/ICLRec)';

const seq = (hr10: number, ndcg10: number, hr20: number | null, ndcg20: number | null): Record<string, number | null> => ({ hr10, ndcg10, hr20, ndcg20 });

export const PUBLISHED: Readonly<Record<string, readonly PublishedRow[]>> = {
  beauty: [
    { model: 'PopRec', metrics: seq(0.0152, 0.0068, 0.0217, 0.0084), source: S3REC },
    { model: 'SASRec', metrics: seq(0.0605, 0.0318, 0.0902, 0.0394), source: S3REC },
    { model: 'S3-Rec', metrics: seq(0.0647, 0.0327, 0.0994, 0.0414), source: S3REC },
    { model: 'ICLRec', metrics: seq(0.0744, 0.0403, 0.1058, null), source: ICLREC },
  ],
  sports: [
    { model: 'SASRec', metrics: seq(0.035, 0.0192, 0.0507, 0.0231), source: S3REC },
    { model: 'S3-Rec', metrics: seq(0.0385, 0.0204, 0.0607, 0.026), source: S3REC },
    { model: 'ICLRec', metrics: seq(0.0437, 0.0238, null, null), source: ICLREC },
  ],
  diginetica: [
    { model: 'SR-GNN', metrics: { p20: 50.73, mrr20: 17.59 }, source: 'SR-GNN paper (Wu et al., AAAI 2019)' },
    { model: 'GCE-GNN', metrics: { p20: 54.22, mrr20: 19.04 }, source: 'GCE-GNN paper (Wang et al., SIGIR 2020)' },
  ],
};

/** Published rows for a dataset name (beauty, sports, diginetica; case-insensitive), or none. */
export function publishedFor(dataset: string): readonly PublishedRow[] {
  return PUBLISHED[dataset.toLowerCase()] ?? [];
}
