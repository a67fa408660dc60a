# vmtune report: generated; every file named here is in this folder
set datafile missing 'NaN'
set encoding utf8

reset
set terminal svg size 900,420 dynamic font 'sans,11' background '#ffffff'
set output 'convergence.svg'
set grid ytics lc rgb '#dddddd'
set border 3
set tics nomirror
set key top left opaque
set title 'Convergence: score of each trial and the best'
set xlabel 'trial'
set ylabel 'score (1 = the defaults, higher is better)'
set y2range [0:1]
unset y2tics
plot 'convergence.dat' using 1:($4 > 0 ? NaN : $2) with points pt 7 ps 0.6 lc rgb '#4477aa' title 'trial', \
     'convergence.dat' using 1:($4 > 0 ? $2 : NaN) with points pt 6 ps 0.9 lc rgb '#ee7733' title 'measured while the level moved', \
     'convergence.dat' using 1:3 with steps lw 2 lc rgb '#228833' title 'best', \
     'failed.dat' using 1:(0.03) axes x1y2 with points pt 2 ps 1.2 lc rgb '#cc3311' title 'failed'

reset
set terminal svg size 520,360 dynamic font 'sans,11' background '#ffffff'
set output 'knob-0.svg'
set grid ytics lc rgb '#dddddd'
set border 3
set tics nomirror
set key top left opaque
set title "x" noenhanced
set ylabel 'score'
set xlabel ''
unset key
set boxwidth 0.5
set style fill solid 0.3
set offsets 0.5, 0.5, 0, 0
set xtics rotate by -35 noenhanced
plot 'knob-0.dat' using 1:4:3:7:6:xtic(2) with candlesticks whiskerbars lc rgb '#4477aa', \
     '' using 1:5:5:5:5 with candlesticks lw 2 lc rgb '#222222'

reset
set terminal svg size 520,360 dynamic font 'sans,11' background '#ffffff'
set output 'knob-1.svg'
set grid ytics lc rgb '#dddddd'
set border 3
set tics nomirror
set key top left opaque
set title "huge" noenhanced
set ylabel 'score'
set xlabel ''
unset key
set boxwidth 0.5
set style fill solid 0.3
set offsets 0.5, 0.5, 0, 0
set xtics rotate by -35 noenhanced
plot 'knob-1.dat' using 1:4:3:7:6:xtic(2) with candlesticks whiskerbars lc rgb '#4477aa', \
     '' using 1:5:5:5:5 with candlesticks lw 2 lc rgb '#222222'

reset
set terminal svg size 520,360 dynamic font 'sans,11' background '#ffffff'
set output 'knob-2.svg'
set grid ytics lc rgb '#dddddd'
set border 3
set tics nomirror
set key top left opaque
set title "layout" noenhanced
set ylabel 'score'
set xlabel ''
unset key
set boxwidth 0.5
set style fill solid 0.3
set offsets 0.5, 0.5, 0, 0
set xtics rotate by -35 noenhanced
plot 'knob-2.dat' using 1:4:3:7:6:xtic(2) with candlesticks whiskerbars lc rgb '#4477aa', \
     '' using 1:5:5:5:5 with candlesticks lw 2 lc rgb '#222222'

reset
set terminal svg size 520,360 dynamic font 'sans,11' background '#ffffff'
set output 'knob-3.svg'
set grid ytics lc rgb '#dddddd'
set border 3
set tics nomirror
set key top left opaque
set title "depth" noenhanced
set ylabel 'score'
set xlabel ''
unset key
set boxwidth 0.5
set style fill solid 0.3
set offsets 0.5, 0.5, 0, 0
set xtics rotate by -35 noenhanced
plot 'knob-3.dat' using 1:4:3:7:6:xtic(2) with candlesticks whiskerbars lc rgb '#4477aa', \
     '' using 1:5:5:5:5 with candlesticks lw 2 lc rgb '#222222'

reset
set terminal svg size 960,360 dynamic font 'sans,11' background '#ffffff'
set output 'bench.svg'
set grid ytics lc rgb '#dddddd'
set border 3
set tics nomirror
set key top left opaque
set multiplot layout 1,2 title 'Benchmarks: best against the baseline (medians, 95% CI; every measurement of the two)'
set logscale y
set offsets 0.5, 0.5, 0, 0
set xtics rotate by -30 noenhanced font ',9'
set ylabel 'ratio to the baseline (log scale)' font ',9'
set key top right font ',9'
set title "app" noenhanced
set yrange [0.77381:1.05]
set ytics ('0.8×' 0.8, '0.9×' 0.9, '0.95×' 0.95, '1×' 1, '1.05×' 1.05)
plot 'bench-0.dat' using ($0 - 0.12):2:3:4:xtic(1) with yerrorbars pt 7 ps 0.6 lc rgb '#999999' title 'baseline', \
     '' using ($0 + 0.12):5:6:7 with yerrorbars pt 7 ps 0.6 lc rgb '#228833' title 'best', \
     1 with lines dt 2 lc rgb '#555555' notitle
set title "tlb" noenhanced
set yrange [0.952381:1.05]
set ytics ('1×' 1, '1.05×' 1.05)
unset key
plot 'bench-1.dat' using ($0 - 0.12):2:3:4:xtic(1) with yerrorbars pt 7 ps 0.6 lc rgb '#999999' title 'baseline', \
     '' using ($0 + 0.12):5:6:7 with yerrorbars pt 7 ps 0.6 lc rgb '#228833' title 'best', \
     1 with lines dt 2 lc rgb '#555555' notitle
unset multiplot

reset
set terminal svg size 720,420 dynamic font 'sans,11' background '#ffffff'
set output 'memlat.svg'
set grid ytics lc rgb '#dddddd'
set border 3
set tics nomirror
set key top left opaque
set title 'memlat: latency against working set'
set logscale xy
set xlabel 'working set (KiB)'
set ylabel 'ns per load'
plot 'memlat.dat' using 1:2 with linespoints pt 7 lc rgb '#bbbbbb' title 'baseline', \
     '' using 1:3 with linespoints pt 7 lc rgb '#228833' title 'best'

reset
set terminal svg size 560,380 dynamic font 'sans,11' background '#ffffff'
set output 'tlb.svg'
set grid ytics lc rgb '#dddddd'
set border 3
set tics nomirror
set key top left opaque
set title 'tlb: one access per page, by page kind'
set ylabel 'ns per access'
set style data histogram
set style histogram clustered gap 1
set style fill solid 0.6 border -1
set yrange [0:*]
set key top right
plot 'tlb.dat' using 2:xtic(1) lc rgb '#bbbbbb' title 'baseline', \
     '' using 3 lc rgb '#228833' title 'best'

reset
set terminal svg size 900,420 dynamic font 'sans,11' background '#ffffff'
set output 'timeline.svg'
set grid ytics lc rgb '#dddddd'
set border 3
set tics nomirror
set key top left opaque
set title 'Timeline of the trials'
set xlabel 'seconds since the first trial'
set ylabel 'trial'
set yrange [0:*]
plot 'timeline.dat' using 2:1:3:(0) with vectors nohead lw 4 lc rgb '#ee7733' title 'boot', \
     '' using ($2 + $3):1:4:(0) with vectors nohead lw 4 lc rgb '#4477aa' title 'benchmark', \
     '' using ($5 > 0 ? $2 + $3 + $4 : NaN):1 with points pt 2 ps 1.2 lc rgb '#cc3311' title 'failed'
