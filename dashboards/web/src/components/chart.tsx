// One ECharts instance bound to a div: created on mount, updated when the option changes, resized
// with its box, disposed on unmount. The chart is an image to assistive technology (role="img" with
// a summary); pages put the same numbers in a table next to it for keyboard and screen-reader users.
import { useEffect, useRef } from 'preact/hooks'
import { echarts, type EChartsOption } from '../charts/echarts.js'

export interface ChartClick { seriesIndex?: number; dataIndex: number; data: unknown; name?: string }

export function Chart({ option, label, height = 280, id, onClick }: {
  option: EChartsOption
  /** What the chart shows, in one sentence. */
  label: string
  height?: number
  id?: string
  onClick?: (event: ChartClick) => void
}) {
  const element = useRef<HTMLDivElement>(null)
  const instance = useRef<ReturnType<typeof echarts.init> | null>(null)
  const clickHandler = useRef(onClick)
  clickHandler.current = onClick

  useEffect(() => {
    const chart = echarts.init(element.current!, undefined, { renderer: 'svg' })
    instance.current = chart
    chart.on('click', (event) => clickHandler.current?.(event as unknown as ChartClick))
    const observer = new ResizeObserver(() => chart.resize())
    observer.observe(element.current!)
    return () => {
      observer.disconnect()
      chart.dispose()
      instance.current = null
    }
  }, [])

  useEffect(() => {
    // ECharts' aria module writes the container's aria-label: give it our sentence, not its generated one.
    instance.current?.setOption({ animation: false, aria: { enabled: true, label: { description: label } }, ...option }, { notMerge: true })
    // setOption draws synchronously (no lazyUpdate): the chart is on screen now (the page-ready signal, README).
    element.current?.setAttribute('data-drawn', 'true')
  }, [option, label])

  return <div ref={element} id={id} class="chart" style={{ height: `${height}px` }} role="img" aria-label={label} data-chart="echarts" />
}
