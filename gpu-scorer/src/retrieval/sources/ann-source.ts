import type { CandidateSource } from '../candidate-source'

/** Nearest items to the subject's vector in the release's HNSW index. */
export const annSource: CandidateSource = {
  id: 'ann',
  needs: 'personalized',
  async retrieve({ release, subject }, quota) {
    if (!release.index) return { skipped: 'no index in the release' }
    if (!subject.vector) return { skipped: 'no user vector' }
    const hits = release.index.search(subject.vector, quota)
    if (!hits) return { skipped: 'no HNSW graph in the index' }
    return { items: hits.map((h) => h.item_id) }
  },
}
