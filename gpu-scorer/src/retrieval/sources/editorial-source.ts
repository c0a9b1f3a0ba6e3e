import type { CandidateSource } from '../candidate-source'

/** The surface's fallback (popular) list, in its order. */
export const editorialSource: CandidateSource = {
  id: 'editorial',
  needs: 'non_personalized',
  async retrieve({ release, request }, quota) {
    const list = release.editorial.get(request.surface)
    if (!list?.length) return { skipped: `no fallback list for surface ${request.surface}` }
    return { items: list.slice(0, quota).map((e) => e.item_id) }
  },
}
