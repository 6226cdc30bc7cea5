// ECharts, tree-shaken to the charts the dashboard draws, rendered as SVG: crisp at any zoom, and
// each mark is a DOM element (tests and assistive tooling can see that a chart drew something).
import { BarChart, CustomChart, HeatmapChart, LineChart, ScatterChart } from 'echarts/charts'
import {
  AriaComponent, GridComponent, LegendComponent, MarkLineComponent, TitleComponent, TooltipComponent, VisualMapComponent,
} from 'echarts/components'
import * as echarts from 'echarts/core'
import { SVGRenderer } from 'echarts/renderers'

echarts.use([
  BarChart, CustomChart, HeatmapChart, LineChart, ScatterChart,
  AriaComponent, GridComponent, LegendComponent, MarkLineComponent, TitleComponent, TooltipComponent, VisualMapComponent,
  SVGRenderer,
])

export { echarts }
export type EChartsOption = echarts.EChartsCoreOption
