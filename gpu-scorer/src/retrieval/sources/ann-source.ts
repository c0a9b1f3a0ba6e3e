import { firstFresh, type CandidateSource } from '../candidate-source'

/**
 * Nearest items to the subject's vector in the release's HNSW index. It asks for its quota plus the size of the
 * user's history, so the items left after the history is dropped still fill the quota.
 */
export const annSource: CandidateSource = {
  id: 'ann',
  needs: 'personalized',
  async retrieve({ release, subject }, quota) {
    if (!release.index) return { skipped: 'no index in the release' }
    if (!subject.vector) return { skipped: 'no user vector' }
    const hits = release.index.search(subject.vector, quota + subject.consumed.size)
    if (!hits) return { skipped: 'no HNSW graph in the index' }
    return {
      items: firstFresh(
        hits.map((h) => h.item_id),
        subject.consumed,
        quota,
      ),
    }
  },
}
